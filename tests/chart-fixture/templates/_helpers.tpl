{{/* <prefix>-<suffix>, at most 63 characters, as the real chart names its objects. */}}
{{- define "fixture.name" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" $root.Values.global.namePrefix (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fixture.labels" -}}
component: {{ .Chart.Name }}
provider: zystem
managed-by: helm
chart-version: {{ .Chart.Version }}
{{- end -}}
