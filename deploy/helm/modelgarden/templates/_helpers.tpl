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

{{/*
The deployment shape. "modelgarden.split" is "true" with mode: split and empty with mode: monolith;
"modelgarden.monolith" is the opposite. Any other mode fails the render.
*/}}
{{- define "modelgarden.split" -}}
{{- if .Values.mode | default "monolith" | eq "split" -}}
true
{{- else -}}
{{- if .Values.mode | default "monolith" | eq "monolith" -}}
{{- else -}}
{{- fail "mode must be monolith or split" -}}
{{- end -}}
{{- end -}}
{{- end }}

{{- define "modelgarden.monolith" -}}
{{- if include "modelgarden.split" . -}}
{{- else -}}
true
{{- end -}}
{{- end }}

{{/*
Split mode needs one artifact store that both roles see (api replicas store pushes, inference replicas
read them): a shared claim (persistence.enabled) or ARTIFACT_STORE=s3. Renders nothing or fails.
*/}}
{{- define "modelgarden.requireSharedArtifacts" -}}
{{- if .Values.persistence.enabled -}}
{{- else -}}
{{- if .Values.config.ARTIFACT_STORE | default "fs" | eq "s3" -}}
{{- else -}}
{{- fail "mode: split needs an artifact store both roles share: persistence.enabled=true (a ReadWriteMany claim) or config.ARTIFACT_STORE=s3 with config.S3_BUCKET" -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* Split mode: one name and one extra selector label (app.kubernetes.io/component) per role. */}}
{{- define "modelgarden.apiName" -}}
{{- printf "%s-%s-api" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "modelgarden.inferenceName" -}}
{{- printf "%s-%s-inference" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "modelgarden.apiSelectorLabels" -}}
{{ include "modelgarden.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "modelgarden.inferenceSelectorLabels" -}}
{{ include "modelgarden.selectorLabels" . }}
app.kubernetes.io/component: inference
{{- end }}

{{/*
The api replicas' INFERENCE_URLS: the inference Service's DNS name. One URL, so kube-proxy spreads the
api replicas' connections over the ready inference pods (docs/deploy/helm.md, Split mode).
*/}}
{{- define "modelgarden.inferenceUrls" -}}
http://{{ include "modelgarden.inferenceName" . }}:{{ .Values.inference.service.port }}
{{- end }}

{{/*
The pod's security context, grace period and everything of its one container but env and resources,
shared by the monolith and both split roles. Takes the root context.
*/}}
{{- define "modelgarden.podCommon" -}}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{- define "modelgarden.containerCommon" -}}
name: modelgarden
image: {{ printf "%s:%s" .Values.image.repository .Values.image.tag | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "modelgarden.fullname" . }}
  - secretRef:
      name: {{ include "modelgarden.secretName" . }}
ports:
  - name: http
    containerPort: {{ .Values.containerPort }}
    protocol: TCP
startupProbe:
  httpGet:
    path: {{ .Values.probes.startup.path }}
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: {{ .Values.probes.liveness.path }}
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: {{ .Values.probes.readiness.path }}
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: data
    mountPath: {{ .Values.config.DATA_DIR }}
{{- end }}

{{- define "modelgarden.volumes" -}}
- name: tmp
  emptyDir: {}
- name: data
  {{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    {{- if .Values.persistence.existingClaim }}
    claimName: {{ .Values.persistence.existingClaim }}
    {{- else }}
    claimName: {{ include "modelgarden.fullname" . }}
    {{- end }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}

{{/* An HPA's behavior block from one autoscaling values map (top-level, api or inference). */}}
{{- define "modelgarden.hpaBehavior" -}}
scaleUp:
  stabilizationWindowSeconds: {{ .scaleUpStabilizationSeconds }}
  selectPolicy: Max
  policies:
    - type: Percent
      value: 100
      periodSeconds: 15
    - type: Pods
      value: 4
      periodSeconds: 15
scaleDown:
  stabilizationWindowSeconds: {{ .scaleDownStabilizationSeconds }}
  selectPolicy: Max
  policies:
    - type: Percent
      value: 50
      periodSeconds: 60
{{- end }}
