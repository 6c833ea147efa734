"""Working with a live cluster (through kubectl): handing objects over to the GitOps tool."""
