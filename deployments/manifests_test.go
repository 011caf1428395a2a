// Package deployments_test checks the Kubernetes manifests and the Dockerfile offline:
// every manifest document decodes strictly into the real Kubernetes API types (a misspelt
// field fails), and the rules a pod needs to start and to roll out safely hold.
//
//	go test -count=1 ./deployments/
package deployments_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// nonroot is distroless's nonroot user and group.
const nonroot = 65532

// decodeManifest splits a file into its documents and decodes each strictly into the API
// type its apiVersion and kind name.
func decodeManifest(data []byte) ([]any, error) {
	var objs []any
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		var obj any
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			obj = &appsv1.Deployment{}
		case "v1 Service":
			obj = &corev1.Service{}
		case "v1 PersistentVolumeClaim":
			obj = &corev1.PersistentVolumeClaim{}
		case "policy/v1 PodDisruptionBudget":
			obj = &policyv1.PodDisruptionBudget{}
		case "batch/v1 CronJob":
			obj = &batchv1.CronJob{}
		default:
			return nil, fmt.Errorf("document %d: %q %q is not a kind this test knows", i+1, tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i+1, tm.Kind, err)
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

func load(t *testing.T, name string) []any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeManifest(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return objs
}

func TestEveryManifestDecodesStrictly(t *testing.T) {
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) < 2 {
		t.Fatalf("manifests: %v", files)
	}
	for _, f := range files {
		if objs := load(t, filepath.Base(f)); len(objs) == 0 {
			t.Errorf("%s: no documents", f)
		}
	}
}

// The strict decoding is what catches a misspelt or misplaced field.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	data, err := os.ReadFile("kubernetes/kracht.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ from, to string }{
		{"readinessProbe:", "readinesProbe:"},
		{"runAsUser: 65532", "runAsUser: nonroot"},
		{"terminationGracePeriodSeconds:", "terminationGracePeriod:"},
		{"kind: Deployment", "kind: Deploymnet"},
		{"    matchLabels: {app: kracht}\n  strategy:", "    matchLabels: {app: kracht}\n    strategy:"},
	} {
		if !bytes.Contains(data, []byte(m.from)) {
			t.Fatalf("%q not in kracht.yaml", m.from)
		}
		if _, err := decodeManifest(bytes.Replace(data, []byte(m.from), []byte(m.to), 1)); err == nil {
			t.Errorf("%q → %q decoded without error", m.from, m.to)
		}
	}
}

// secretName is an environment variable that must come from a Secret by reference.
var secretName = regexp.MustCompile(`^(MONGODB_URI|KRACHT_JWT_KEYS|KRACHT_SECRETS_KEY|KRACHT_UNSUBSCRIBE_SECRET|KRACHT_SMTP_USERNAME|KRACHT_SMTP_PASSWORD|KRACHT_STRIPE_.*|.*_(SECRET|PASSWORD|KEY|KEYS|TOKEN))$`)

// checkPod holds the rules for every pod: numeric non-root ids, a read-only root with
// writable mounts where Kracht writes, no privileges, resources, secrets by reference.
func checkPod(t *testing.T, where string, spec corev1.PodSpec, service bool) {
	t.Helper()
	sc := spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s: pod runAsNonRoot is not true", where)
	}
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != nonroot || sc.RunAsGroup == nil || *sc.RunAsGroup != nonroot ||
		sc.FSGroup == nil || *sc.FSGroup != nonroot {
		t.Errorf("%s: pod runAsUser, runAsGroup and fsGroup must be %d", where, nonroot)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: no RuntimeDefault seccomp profile", where)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	for _, c := range spec.Containers {
		where := where + " container " + c.Name
		csc := c.SecurityContext
		if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", where)
		}
		if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", where)
		}
		if csc == nil || csc.Capabilities == nil || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" ||
			len(csc.Capabilities.Add) > 0 {
			t.Errorf("%s: capabilities must drop ALL and add none", where)
		}
		if csc != nil && csc.RunAsUser != nil && *csc.RunAsUser == 0 {
			t.Errorf("%s: runs as root", where)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: needs cpu and memory requests and a memory limit", where)
		}
		if service && (c.StartupProbe == nil || c.ReadinessProbe == nil || c.LivenessProbe == nil) {
			t.Errorf("%s: needs a startup, a readiness and a liveness probe", where)
		}
		if service && (c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
			c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz") {
			t.Errorf("%s: readiness on /readyz and liveness on /healthz", where)
		}
		if len(c.EnvFrom) > 0 {
			t.Errorf("%s: envFrom hides which variables a pod gets: name each one", where)
		}
		mounts := map[string]corev1.VolumeMount{}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				t.Errorf("%s: mounts %q, which is not a volume of the pod", where, m.Name)
			}
			mounts[m.MountPath] = m
		}
		if m, ok := mounts["/tmp"]; !ok || m.ReadOnly {
			t.Errorf("%s: no writable /tmp on a read-only root", where)
		}
		env := map[string]corev1.EnvVar{}
		for i, e := range c.Env {
			if secretName.MatchString(e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
				t.Errorf("%s: %s must come from a Secret by secretKeyRef", where, e.Name)
			}
			// $(NAME) expands only names defined before it.
			for _, ref := range regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`).FindAllStringSubmatch(e.Value, -1) {
				if _, ok := env[ref[1]]; !ok {
					t.Errorf("%s: env %d %s uses $(%s), not defined before it", where, i, e.Name, ref[1])
				}
			}
			env[e.Name] = e
		}
		dataDir := "/data" // the image's KRACHT_DATA_DIR
		if e, ok := env["KRACHT_DATA_DIR"]; ok {
			dataDir = e.Value
		}
		if m, ok := mounts[dataDir]; !ok || m.ReadOnly {
			t.Errorf("%s: KRACHT_DATA_DIR %s is not a writable mount (the root is read-only)", where, dataDir)
		}
		if service {
			checkMemoryLimit(t, where, c, env)
		}
	}
}

// memoryDivisors are the divisors the API server accepts for a memory resourceFieldRef.
var memoryDivisors = map[string]bool{"1": true, "1k": true, "1M": true, "1G": true, "1T": true, "1P": true, "1E": true,
	"1Ki": true, "1Mi": true, "1Gi": true, "1Ti": true, "1Pi": true, "1Ei": true}

// checkMemoryLimit checks that GOMEMLIMIT follows the container's memory limit at 85 to 96%
// of it, computing what the kubelet and the Go runtime will make of the manifest.
func checkMemoryLimit(t *testing.T, where string, c corev1.Container, env map[string]corev1.EnvVar) {
	t.Helper()
	g, ok := env["GOMEMLIMIT"]
	if !ok {
		t.Errorf("%s: no GOMEMLIMIT", where)
		return
	}
	limit := c.Resources.Limits.Memory().Value()
	value := g.Value
	for _, ref := range regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`).FindAllStringSubmatch(value, -1) {
		r := env[ref[1]].ValueFrom
		if r == nil || r.ResourceFieldRef == nil || r.ResourceFieldRef.Resource != "limits.memory" ||
			(r.ResourceFieldRef.ContainerName != "" && r.ResourceFieldRef.ContainerName != c.Name) {
			t.Errorf("%s: GOMEMLIMIT uses %s, which is not this container's limits.memory", where, ref[1])
			return
		}
		div := r.ResourceFieldRef.Divisor
		if !memoryDivisors[div.String()] {
			t.Errorf("%s: divisor %s is not one the API server accepts for memory", where, div.String())
			return
		}
		// The kubelet rounds up (pkg/api/v1/resource.ExtractContainerResourceValue).
		n := int64(math.Ceil(float64(limit) / float64(div.Value())))
		value = strings.ReplaceAll(value, ref[0], strconv.FormatInt(n, 10))
	}
	if value == g.Value {
		t.Errorf("%s: GOMEMLIMIT %q does not follow the memory limit", where, g.Value)
	}
	bytes, ok := parseGoByteCount(value)
	if !ok {
		t.Errorf("%s: GOMEMLIMIT becomes %q, which the Go runtime does not read", where, value)
		return
	}
	if ratio := float64(bytes) / float64(limit); ratio < 0.85 || ratio > 0.96 {
		t.Errorf("%s: GOMEMLIMIT %s is %.1f%% of the limit %s, want 85 to 96%%", where, value, 100*ratio,
			c.Resources.Limits.Memory().String())
	}
}

// parseGoByteCount reads a GOMEMLIMIT as runtime.parseByteCount does: an integer with an
// optional B, KiB, MiB, GiB or TiB.
func parseGoByteCount(s string) (int64, bool) {
	m := regexp.MustCompile(`^([0-9]+)(B|KiB|MiB|GiB|TiB)?$`).FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	shift := map[string]uint{"": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}[m[2]]
	return n << shift, true
}

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	return env
}

func only[T any](t *testing.T, objs []any) []*T {
	var out []*T
	for _, o := range objs {
		if v, ok := o.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestMongoDBManifest(t *testing.T) {
	objs := load(t, "kracht.yaml")
	deps := only[appsv1.Deployment](t, objs)
	if len(deps) != 1 {
		t.Fatalf("%d Deployments", len(deps))
	}
	d := deps[0]
	spec := d.Spec.Template.Spec
	checkPod(t, "kracht.yaml", spec, true)
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %v: several on MongoDB", d.Spec.Replicas)
	}
	if ru := d.Spec.Strategy.RollingUpdate; d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil ||
		ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy %+v: a rolling update with maxUnavailable 0", d.Spec.Strategy)
	}
	spread := false
	for _, c := range spec.TopologySpreadConstraints {
		spread = spread || (c.TopologyKey == "kubernetes.io/hostname" && c.WhenUnsatisfiable == corev1.DoNotSchedule)
	}
	if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		spread = true
	}
	if !spread {
		t.Error("replicas are not spread across nodes")
	}
	c := spec.Containers[0]
	env := envOf(c)
	for _, name := range []string{"MONGODB_URI", "KRACHT_JWT_KEYS", "KRACHT_SECRETS_KEY", "KRACHT_UNSUBSCRIBE_SECRET", "KRACHT_SMTP_HOST"} {
		e, ok := env[name]
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s: required with MongoDB, from a Secret", name)
		} else if e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional {
			t.Errorf("%s: must not be optional", name)
		}
	}
	if u := env["KRACHT_PUBLIC_URL"].Value; !strings.HasPrefix(u, "https://") {
		t.Errorf("KRACHT_PUBLIC_URL %q: the public https address", u)
	}
	drain := duration(t, env["KRACHT_DRAIN_PERIOD"].Value)
	shutdown := duration(t, env["KRACHT_SHUTDOWN_TIMEOUT"].Value)
	if drain < 5 {
		t.Errorf("KRACHT_DRAIN_PERIOD %q: long enough for endpoints to drop the pod", env["KRACHT_DRAIN_PERIOD"].Value)
	}
	if p := c.ReadinessProbe; p == nil || int64(p.PeriodSeconds*p.FailureThreshold) >= drain {
		t.Error("the readiness probe must notice the drain well within KRACHT_DRAIN_PERIOD")
	}
	if g := spec.TerminationGracePeriodSeconds; g == nil || *g <= drain+shutdown {
		t.Errorf("terminationGracePeriodSeconds %v: more than drain %ds + shutdown %ds", g, drain, shutdown)
	}
	if len(only[policyv1.PodDisruptionBudget](t, objs)) != 1 || len(only[corev1.Service](t, objs)) != 1 {
		t.Error("want one Service and one PodDisruptionBudget")
	}
}

func duration(t *testing.T, s string) int64 {
	t.Helper()
	var v float64
	unit := strings.TrimLeft(s, "0123456789.")
	if _, err := fmt.Sscanf(strings.TrimSuffix(s, unit), "%g", &v); err != nil || unit != "s" {
		t.Errorf("duration %q: want seconds such as 10s", s)
	}
	return int64(v)
}

func TestEmbeddedManifest(t *testing.T) {
	objs := load(t, "kracht-embedded.yaml")
	deps := only[appsv1.Deployment](t, objs)
	jobs := only[batchv1.CronJob](t, objs)
	claims := map[string]*corev1.PersistentVolumeClaim{}
	for _, c := range only[corev1.PersistentVolumeClaim](t, objs) {
		claims[c.Name] = c
	}
	if len(deps) != 1 || len(jobs) != 1 {
		t.Fatalf("%d Deployments and %d CronJobs, want one each", len(deps), len(jobs))
	}
	d := deps[0]
	checkPod(t, "kracht-embedded.yaml", d.Spec.Template.Spec, true)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Error("the embedded store takes exactly one replica")
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy %q: Recreate, so two servers never open the file", d.Spec.Strategy.Type)
	}
	dataClaim := claimAt(t, d.Spec.Template.Spec, "/data")
	if claims[dataClaim] == nil {
		t.Fatalf("the server's /data is not a PersistentVolumeClaim of the manifest")
	}
	env := envOf(d.Spec.Template.Spec.Containers[0])
	if _, ok := env["MONGODB_URI"]; ok {
		t.Error("MONGODB_URI in the embedded manifest")
	}

	j := jobs[0]
	if j.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Error("backups must not overlap: concurrencyPolicy Forbid")
	}
	pod := j.Spec.JobTemplate.Spec.Template.Spec
	checkPod(t, "backup CronJob", pod, false)
	c := pod.Containers[0]
	if len(c.Args) < 3 || c.Args[0] != "backup" || c.Args[1] != "--to" {
		t.Errorf("backup args %q: kracht backup --to …", c.Args)
	}
	if claimAt(t, pod, "/data") != dataClaim {
		t.Error("the backup does not mount the server's claim at /data")
	}
	if target := claimAt(t, pod, strings.TrimSuffix(c.Args[2], "/")); target == "" || target == dataClaim || claims[target] == nil {
		t.Errorf("the backups go to %s, which must be another claim of the manifest", c.Args[2])
	}
	// ReadWriteOnce: the job's pod runs on the server's node.
	ok := false
	if a := pod.Affinity; a != nil && a.PodAffinity != nil {
		for _, term := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
			if err == nil && term.TopologyKey == "kubernetes.io/hostname" && sel.Matches(labelSet(d.Spec.Template.Labels)) {
				ok = true
			}
		}
	}
	if !ok {
		t.Error("the backup pod has no required podAffinity to the server's pod on kubernetes.io/hostname")
	}
}

type labelSet map[string]string

func (l labelSet) Has(k string) bool              { _, ok := l[k]; return ok }
func (l labelSet) Get(k string) string            { return l[k] }
func (l labelSet) Lookup(k string) (string, bool) { v, ok := l[k]; return v, ok }

// claimAt is the PersistentVolumeClaim mounted at path in the pod's first container.
func claimAt(t *testing.T, spec corev1.PodSpec, path string) string {
	for _, m := range spec.Containers[0].VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName
			}
		}
	}
	return ""
}

// Every KRACHT_ variable a manifest sets is one Kracht reads (.env.example lists them all),
// so a misspelt name does not silently fall back to a default.
func TestManifestVariablesExist(t *testing.T) {
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"GOMEMLIMIT": true, "KRACHT_MEMORY_LIMIT_MIB": true}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z0-9_]+)=`).FindAllStringSubmatch(string(example), -1) {
		known[m[1]] = true
	}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range files {
		for _, o := range load(t, filepath.Base(f)) {
			var specs []corev1.PodSpec
			switch o := o.(type) {
			case *appsv1.Deployment:
				specs = append(specs, o.Spec.Template.Spec)
			case *batchv1.CronJob:
				specs = append(specs, o.Spec.JobTemplate.Spec.Template.Spec)
			}
			for _, s := range specs {
				for _, c := range s.Containers {
					for _, e := range c.Env {
						if !known[e.Name] {
							t.Errorf("%s: %s is not in .env.example", f, e.Name)
						}
					}
				}
			}
		}
	}
}
