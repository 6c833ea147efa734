# The KRM function image: kustomize `container:` functions and kpt `image:` pipelines run it with a
# ResourceList on stdin. kustomize starts it as `nobody`, without network, read-only.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kustomize_zymtrace ./kustomize_zymtrace
RUN pip install --no-cache-dir --no-compile --prefix=/install .

FROM python:3.12-slim
COPY --from=build /install /usr/local
ENV PYTHONDONTWRITEBYTECODE=1
USER 65534:65534
ENTRYPOINT ["kustomize-zymtrace"]
