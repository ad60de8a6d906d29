{{/*
Named templates. Those used for the sidecar ("pulsar-push-scaler.sidecar",
"pulsar-push-scaler.sidecarVolumes") and the ones they call read only .Values and .Release (never
.Chart), so a parent chart can call them with (dict "Values" <this chart's values> "Release" .Release).
Optional keys are read with `dig`/`get` so the templates render under `helm lint --strict`.
*/}}

{{- define "pulsar-push-scaler.name" -}}
{{- default "pulsar-push-scaler" .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release> when it already contains the name, else <release>-<name>; fullnameOverride wins. */}}
{{- define "pulsar-push-scaler.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "pulsar-push-scaler.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pulsar-push-scaler.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pulsar-push-scaler.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pulsar-push-scaler.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: hub
{{- end }}

{{/* Labels of every object: the chart's own, then commonLabels (which may not replace them). */}}
{{- define "pulsar-push-scaler.labels" -}}
helm.sh/chart: {{ include "pulsar-push-scaler.chart" . }}
{{ include "pulsar-push-scaler.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- include "pulsar-push-scaler.commonLabels" . }}
{{- end }}

{{/*
commonLabels, less the keys the chart sets itself (a duplicate key would make invalid YAML and a
changed selector label would orphan the pods). Starts with a newline when not empty.
*/}}
{{- define "pulsar-push-scaler.commonLabels" -}}
{{- $own := list "helm.sh/chart" "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component" "app.kubernetes.io/version" "app.kubernetes.io/managed-by" }}
{{- $extra := dict }}
{{- range $k, $v := .Values.commonLabels | default dict }}
{{- if not (has $k $own) }}{{- $_ := set $extra $k $v }}{{- end }}
{{- end }}
{{- with $extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
metadata.annotations of an object: commonAnnotations merged with the object's own ("own", which
wins). Context: (dict "ctx" $ "own" <map or nil>). Renders the whole `annotations:` key, or nothing.
*/}}
{{- define "pulsar-push-scaler.annotations" -}}
{{- $all := merge (deepCopy (.own | default dict)) (deepCopy (.ctx.Values.commonAnnotations | default dict)) }}
{{- with $all -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "pulsar-push-scaler.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pulsar-push-scaler.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is set. */}}
{{- define "pulsar-push-scaler.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end }}
{{- end }}

{{- define "pulsar-push-scaler.sidecarImage" -}}
{{- $repo := .Values.sidecar.image.repository }}
{{- $tag := .Values.sidecar.image.tag }}
{{- if and (not $repo) (not $tag) }}
{{- include "pulsar-push-scaler.image" . }}
{{- else }}
{{- printf "%s:%s" (default .Values.image.repository $repo) (default .Values.image.tag $tag) }}
{{- end }}
{{- end }}

{{- define "pulsar-push-scaler.tokenSecretName" -}}
{{- default (printf "%s-sidecar-token" (include "pulsar-push-scaler.fullname" .)) .Values.sidecarToken.existingSecret }}
{{- end }}

{{- define "pulsar-push-scaler.clustersConfigMapName" -}}
{{- printf "%s-clusters" (include "pulsar-push-scaler.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The hub Service's in-cluster DNS name. */}}
{{- define "pulsar-push-scaler.serviceHost" -}}
{{- printf "%s.%s.svc.cluster.local" (include "pulsar-push-scaler.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "pulsar-push-scaler.scalerAddress" -}}
{{- printf "%s:%v" (include "pulsar-push-scaler.serviceHost" .) .Values.ports.grpc }}
{{- end }}

{{- define "pulsar-push-scaler.hubUrl" -}}
{{- printf "%s://%s:%v/v1/sidecars" (ternary "wss" "ws" .Values.httpTls.enabled) (include "pulsar-push-scaler.serviceHost" .) .Values.ports.http }}
{{- end }}

{{/* The Secret holding the CA that verifies the hub's HTTP certificate. */}}
{{- define "pulsar-push-scaler.httpCaSecretName" -}}
{{- default (required "httpTls.secretName is required when httpTls.enabled is true" .Values.httpTls.secretName) .Values.httpTls.caSecretName }}
{{- end }}

{{/*
The configured clusters as a JSON array with every default applied, each with the file paths its
credentials are mounted at. Consumers: `include ... | fromJsonArray`.
*/}}
{{- define "pulsar-push-scaler.clusters" -}}
{{- $out := list }}
{{- $seen := dict }}
{{- range $i, $c := .Values.pulsar.clusters }}
{{- $name := get $c "name" | default "default" }}
{{- if hasKey $seen $name }}
{{- fail (printf "pulsar.clusters: the name %q is used more than once; give each cluster its own name" $name) }}
{{- end }}
{{- $_ := set $seen $name true }}
{{- $admin := get $c "adminUrl" }}
{{- $ws := get $c "wsUrl" | default (regexReplaceAll "^http" $admin "ws") }}
{{- $dir := printf "/var/run/pulsar-push-scaler/pulsar/%s" $name }}
{{- $n := dict "name" $name "adminUrl" $admin "wsUrl" $ws "arrivals" (get $c "arrivals" | default "auto") "auth" (get $c "auth" | default "none") "volume" (printf "pps-cluster-%d" $i) "dir" $dir "sources" list }}
{{- if get $c "serviceUrl" }}
{{- $_ := set $n "serviceUrl" (get $c "serviceUrl") }}
{{- end }}
{{- $sources := list }}
{{- $tok := get $c "tokenSecret" }}
{{- if and (eq $n.auth "token") $tok }}
{{- $sources = append $sources (dict "secret" $tok.name "key" (get $tok "key" | default "token") "path" "token") }}
{{- $_ := set $n "tokenFile" (printf "%s/token" $dir) }}
{{- end }}
{{- $basic := get $c "basic" }}
{{- if and (eq $n.auth "basic") $basic }}
{{- $pw := get $basic "passwordSecret" | default dict }}
{{- $sources = append $sources (dict "secret" (get $pw "name") "key" (get $pw "key" | default "password") "path" "password") }}
{{- $_ := set $n "username" (get $basic "username") }}
{{- $_ := set $n "passwordFile" (printf "%s/password" $dir) }}
{{- end }}
{{- $tls := get $c "tlsSecret" }}
{{- if and (eq $n.auth "tls") $tls }}
{{- $sources = append $sources (dict "secret" $tls.name "key" (get $tls "certKey" | default "tls.crt") "path" "tls.crt") }}
{{- $sources = append $sources (dict "secret" $tls.name "key" (get $tls "keyKey" | default "tls.key") "path" "tls.key") }}
{{- $_ := set $n "certFile" (printf "%s/tls.crt" $dir) }}
{{- $_ := set $n "keyFile" (printf "%s/tls.key" $dir) }}
{{- end }}
{{- $o := get $c "oauth2" }}
{{- if and (eq $n.auth "oauth2") $o }}
{{- $cs := get $o "credentialsSecret" | default dict }}
{{- $sources = append $sources (dict "secret" (get $cs "name") "key" (get $cs "key" | default "credentials.json") "path" "oauth2-credentials.json") }}
{{- $_ := set $n "credentialsFile" (printf "%s/oauth2-credentials.json" $dir) }}
{{- range $k := list "issuerUrl" "audience" "scope" }}
{{- if get $o $k }}{{- $_ := set $n $k (get $o $k) }}{{- end }}
{{- end }}
{{- end }}
{{- if get $c "requestTimeoutMs" }}
{{- $_ := set $n "requestTimeoutMs" (get $c "requestTimeoutMs" | int) }}
{{- end }}
{{- $ca := get $c "caSecret" }}
{{- if $ca }}
{{- $sources = append $sources (dict "secret" $ca.name "key" (get $ca "key" | default "ca.crt") "path" "ca.crt") }}
{{- $_ := set $n "caFile" (printf "%s/ca.crt" $dir) }}
{{- end }}
{{- $_ := set $n "sources" $sources }}
{{- $out = append $out $n }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* Volumes holding the Pulsar credentials (one projected volume per cluster that has any). */}}
{{- define "pulsar-push-scaler.clusterVolumes" -}}
{{- $clusters := include "pulsar-push-scaler.clusters" . | fromJsonArray }}
{{- range $c := $clusters }}
{{- if $c.sources }}
- name: {{ $c.volume }}
  projected:
    defaultMode: 0444
    sources:
      {{- range $s := $c.sources }}
      - secret:
          name: {{ $s.secret }}
          items:
            - key: {{ $s.key | quote }}
              path: {{ $s.path }}
      {{- end }}
{{- end }}
{{- end }}
{{- if gt (len $clusters) 1 }}
- name: pps-clusters-file
  configMap:
    name: {{ include "pulsar-push-scaler.clustersConfigMapName" . }}
{{- end }}
{{- end }}

{{- define "pulsar-push-scaler.clusterVolumeMounts" -}}
{{- $clusters := include "pulsar-push-scaler.clusters" . | fromJsonArray }}
{{- range $c := $clusters }}
{{- if $c.sources }}
- name: {{ $c.volume }}
  mountPath: {{ $c.dir }}
  readOnly: true
{{- end }}
{{- end }}
{{- if gt (len $clusters) 1 }}
- name: pps-clusters-file
  mountPath: /etc/pulsar-push-scaler
  readOnly: true
{{- end }}
{{- end }}

{{/* PPS_PULSAR_* for one cluster, or PPS_CLUSTERS_FILE for several. */}}
{{- define "pulsar-push-scaler.clusterEnv" -}}
{{- $clusters := include "pulsar-push-scaler.clusters" . | fromJsonArray }}
{{- if gt (len $clusters) 1 }}
- name: PPS_CLUSTERS_FILE
  value: /etc/pulsar-push-scaler/clusters.yaml
{{- else }}
{{- $c := first $clusters }}
- name: PPS_PULSAR_CLUSTER_NAME
  value: {{ $c.name | quote }}
- name: PPS_PULSAR_ADMIN_URL
  value: {{ $c.adminUrl | quote }}
- name: PPS_PULSAR_WS_URL
  value: {{ $c.wsUrl | quote }}
- name: PPS_PULSAR_ARRIVALS
  value: {{ $c.arrivals | quote }}
- name: PPS_PULSAR_AUTH
  value: {{ $c.auth | quote }}
{{- $envs := dict "serviceUrl" "PPS_PULSAR_SERVICE_URL" "tokenFile" "PPS_PULSAR_TOKEN_FILE" "username" "PPS_PULSAR_BASIC_USERNAME" "passwordFile" "PPS_PULSAR_BASIC_PASSWORD_FILE" "certFile" "PPS_PULSAR_TLS_CERT_FILE" "keyFile" "PPS_PULSAR_TLS_KEY_FILE" "caFile" "PPS_PULSAR_CA_FILE" "credentialsFile" "PPS_PULSAR_OAUTH2_CREDENTIALS_FILE" "issuerUrl" "PPS_PULSAR_OAUTH2_ISSUER_URL" "audience" "PPS_PULSAR_OAUTH2_AUDIENCE" "scope" "PPS_PULSAR_OAUTH2_SCOPE" "requestTimeoutMs" "PPS_PULSAR_REQUEST_TIMEOUT_MS" }}
{{- range $k := keys $envs | sortAlpha }}
{{- if hasKey $c $k }}
- name: {{ get $envs $k }}
  value: {{ get $c $k | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The clusters file (--clusters-file, PPS_CLUSTERS_FILE): a YAML list of clusters whose keys are the
camelCase of the --pulsar-* flags (see src/pulsar/cluster-schema.ts). File paths only, no secrets.
*/}}
{{- define "pulsar-push-scaler.clustersFile" -}}
{{- $keys := dict "serviceUrl" "serviceUrl" "tokenFile" "tokenFile" "username" "basicUsername" "passwordFile" "basicPasswordFile" "certFile" "tlsCertFile" "keyFile" "tlsKeyFile" "caFile" "caFile" "credentialsFile" "oauth2CredentialsFile" "issuerUrl" "oauth2IssuerUrl" "audience" "oauth2Audience" "scope" "oauth2Scope" "requestTimeoutMs" "requestTimeoutMs" }}
{{- $list := list }}
{{- range $c := include "pulsar-push-scaler.clusters" . | fromJsonArray }}
{{- $entry := dict "name" $c.name "adminUrl" $c.adminUrl "wsUrl" $c.wsUrl "arrivals" $c.arrivals "auth" $c.auth }}
{{- range $k, $fileKey := $keys }}
{{- if hasKey $c $k }}{{- $_ := set $entry $fileKey (get $c $k) }}{{- end }}
{{- end }}
{{- $list = append $list $entry }}
{{- end }}
{{- toYaml $list }}
{{- end }}

{{- define "pulsar-push-scaler.containerSecurityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{/*
The sidecar container for a consumer pod. Context: the root context of this chart, or from a parent
chart (dict "Values" (index .Values "pulsar-push-scaler") "Release" .Release "watch" (list "topic:sub")).
Optional "watch": list of "topic:subscription" the sidecar announces (PPS_WATCH).
Render it under the pod's containers with `nindent`; add "pulsar-push-scaler.sidecarVolumes" to the
pod's volumes.
*/}}
{{- define "pulsar-push-scaler.sidecar" -}}
{{- $watch := get . "watch" | default list -}}
{{- $http := dig "httpPort" 8081 .Values.sidecar -}}
{{- $probes := dig "probes" dict .Values.sidecar -}}
- name: pulsar-push-scaler-sidecar
  image: {{ include "pulsar-push-scaler.sidecarImage" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args: ["sidecar"]
  env:
    - name: PPS_HUB_URL
      value: {{ include "pulsar-push-scaler.hubUrl" . | quote }}
    - name: PPS_HUB_TOKEN_FILE
      value: /var/run/pulsar-push-scaler/hub-token/token
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: PPS_LOG_LEVEL
      value: {{ .Values.sidecar.logLevel | quote }}
    - name: PPS_HTTP_PORT
      value: {{ $http | quote }}
    {{- if .Values.httpTls.enabled }}
    - name: PPS_HUB_CA_FILE
      value: /var/run/pulsar-push-scaler/hub-tls/ca.crt
    {{- if .Values.httpTls.requireClientCert }}
    - name: PPS_HUB_CERT_FILE
      value: /var/run/pulsar-push-scaler/hub-tls/tls.crt
    - name: PPS_HUB_KEY_FILE
      value: /var/run/pulsar-push-scaler/hub-tls/tls.key
    {{- end }}
    {{- end }}
    {{- if $watch }}
    - name: PPS_WATCH
      value: {{ join "," $watch | quote }}
    {{- end }}
    {{- with (include "pulsar-push-scaler.clusterEnv" . | trim) }}{{ . | nindent 4 }}{{- end }}
  {{- /*
  Probes on the sidecar's own HTTP port. Readiness defaults to /healthz, not /readyz: a sidecar's
  readiness is its whole pod's, and a hub restart must not take consumer pods out of their Services
  or stall their rollouts. With httpPort "off" nothing listens, so no probe is rendered: the sidecar
  exits on a fatal error and the kubelet restarts it, no exec probe needed.
  */}}
  {{- if ne (toString $http) "off" }}
  ports:
    - name: pps-http
      containerPort: {{ $http }}
      protocol: TCP
  livenessProbe:
    httpGet:
      path: /healthz
      port: pps-http
    {{- with (dig "liveness" dict $probes) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  readinessProbe:
    httpGet:
      path: {{ dig "readinessPath" "/healthz" $probes }}
      port: pps-http
    {{- with (dig "readiness" dict $probes) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
  volumeMounts:
    - name: pps-hub-token
      mountPath: /var/run/pulsar-push-scaler/hub-token
      readOnly: true
    - name: pps-sidecar-tmp
      mountPath: /tmp
    {{- if .Values.httpTls.enabled }}
    - name: pps-hub-tls
      mountPath: /var/run/pulsar-push-scaler/hub-tls
      readOnly: true
    {{- end }}
    {{- with (include "pulsar-push-scaler.clusterVolumeMounts" . | trim) }}{{ . | nindent 4 }}{{- end }}
  resources:
    {{- toYaml .Values.sidecar.resources | nindent 4 }}
  securityContext:
    {{- include "pulsar-push-scaler.containerSecurityContext" . | nindent 4 }}
{{- end }}

{{/* The volumes the sidecar container mounts; same context as "pulsar-push-scaler.sidecar". */}}
{{- define "pulsar-push-scaler.sidecarVolumes" -}}
- name: pps-hub-token
  secret:
    secretName: {{ include "pulsar-push-scaler.tokenSecretName" . }}
    defaultMode: 0444
    items:
      - key: {{ .Values.sidecarToken.key | quote }}
        path: token
- name: pps-sidecar-tmp
  emptyDir:
    sizeLimit: 16Mi
{{- if .Values.httpTls.enabled }}
- name: pps-hub-tls
  projected:
    defaultMode: 0444
    sources:
      - secret:
          name: {{ include "pulsar-push-scaler.httpCaSecretName" . }}
          items:
            - key: {{ .Values.httpTls.caKey | quote }}
              path: ca.crt
      {{- if .Values.httpTls.requireClientCert }}
      - secret:
          name: {{ required "httpTls.sidecarCertSecretName is required when httpTls.requireClientCert is true" .Values.httpTls.sidecarCertSecretName }}
          items:
            - key: tls.crt
              path: tls.crt
            - key: tls.key
              path: tls.key
      {{- end }}
{{- end }}
{{- with (include "pulsar-push-scaler.clusterVolumes" . | trim) }}{{ . | nindent 0 }}{{- end }}
{{- end }}

{{/* Labels a consumer pod carries so the NetworkPolicy admits its sidecar. */}}
{{- define "pulsar-push-scaler.sidecarPodLabels" -}}
{{ .Values.sidecar.podLabel.key }}: {{ .Values.sidecar.podLabel.value | quote }}
{{- end }}

{{/*
PromQL label matchers selecting this hub's series (alerts): prometheusRule.selector, else the
namespace and job labels the chart's ServiceMonitor gives them (job: the Service name, or the
value of the Service label named by serviceMonitor.jobLabel).
*/}}
{{- define "pulsar-push-scaler.hubSelector" -}}
{{- if .Values.prometheusRule.selector }}
{{- .Values.prometheusRule.selector }}
{{- else }}
{{- $job := include "pulsar-push-scaler.fullname" . }}
{{- $labels := include "pulsar-push-scaler.labels" . | fromYaml }}
{{- with .Values.serviceMonitor.jobLabel }}
{{- $job = get $labels . | default $job }}
{{- end }}
{{- printf "namespace=%q, job=%q" .Release.Namespace $job }}
{{- end }}
{{- end }}
