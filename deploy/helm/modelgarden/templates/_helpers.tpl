{{/* Names and labels shared by every template. */}}
{{- define "modelgarden.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "modelgarden.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "modelgarden.labels" -}}
{{ include "modelgarden.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "modelgarden.secretName" -}}
{{- if .Values.secret.create -}}
{{ include "modelgarden.fullname" . }}
{{- else -}}
{{ .Values.secret.existingSecret }}
{{- end -}}
{{- end }}
