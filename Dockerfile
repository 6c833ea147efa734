# The KRM function image: kustomize `container:` functions and kpt `image:` pipelines run it with a
# ResourceList on stdin. kustomize starts it as `nobody`, without network, read-only.
#
# The base image is pinned by digest (the image workflow refuses a tag alone); update tag and digest
# together, e.g. with Renovate or `docker buildx imagetools inspect python:3.12-slim-bookworm`.
ARG PYTHON_IMAGE=docker.io/library/python:3.12.3-slim-bookworm@sha256:541d45d3d675fb8197f534525a671e2f8d66c882b89491f9dda271f4f94dcd06

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kustomize_zymtrace ./kustomize_zymtrace
RUN pip install --no-cache-dir --root-user-action=ignore --prefix=/install .
# The saved validator (compiled.json) is used only with the pydantic it was built with: build it again
# for the versions pip resolved here, so no run has to (a rebuild costs a run about 350 ms).
RUN site=/install/lib/python$(python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')/site-packages \
 && PYTHONPATH="$site" python -m kustomize_zymtrace.model.compiled > /tmp/compiled.json \
 && mv /tmp/compiled.json "$site/kustomize_zymtrace/model/compiled.json"

FROM ${PYTHON_IMAGE}
COPY --from=build /install /usr/local
# Compile every module now, the standard library included: at run time the file system is read-only
# (and PYTHONDONTWRITEBYTECODE is set), so a module without bytecode here would be compiled again on
# every run. unchecked-hash: the bytecode is trusted as built, whatever the files' timestamps become.
RUN python -m compileall -q -j 0 --invalidation-mode unchecked-hash /usr/local/lib/python3.12
ENV PYTHONDONTWRITEBYTECODE=1
USER 65534:65534
ENTRYPOINT ["kustomize-zymtrace"]
