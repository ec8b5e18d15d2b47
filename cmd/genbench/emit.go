package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/experiments"
)

// cmdEmit implements genbench emit slurm|k8s SPEC [flags]: a script or
// manifest that runs the spec's trials as N shards on a cluster, then
// merges the shards and writes the summary (and the report, when the
// genbench binary has a report command).
func cmdEmit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "slurm" && args[0] != "k8s") {
		fmt.Fprintf(stderr, "genbench emit: want slurm or k8s, then a spec file\n%s", usage)
		return 2
	}
	target := args[0]
	fs := flag.NewFlagSet("emit "+target, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := emitter{}
	fs.StringVar(&e.out, "o", "", "results folder on storage every node sees (slurm: required; k8s: default MOUNT/<spec name>)")
	fs.IntVar(&e.shards, "shards", 0, "number of shards, one array task or pod each (default min(trials, 8))")
	fs.IntVar(&e.cpus, "cpus", 2, "cores per shard")
	fs.IntVar(&e.jobs, "j", 0, "trials trained at once per shard (default: one per two cores of -cpus)")
	fs.StringVar(&e.name, "name", "", "job name (default genbench-<spec name>)")
	fs.StringVar(&e.script, "script", "", "write to this file instead of standard output")
	if target == "slurm" {
		fs.StringVar(&e.mem, "mem", "4G", "memory per shard (#SBATCH --mem)")
		fs.StringVar(&e.time, "time", "04:00:00", "time limit per shard (#SBATCH --time)")
		fs.StringVar(&e.partition, "partition", "", "Slurm partition (default: the cluster's default)")
		fs.StringVar(&e.account, "account", "", "Slurm account")
		fs.StringVar(&e.bin, "bin", "", "genbench binary on shared storage (default: this binary)")
	} else {
		fs.StringVar(&e.mem, "mem", "4Gi", "memory per shard (requests and limits)")
		fs.StringVar(&e.image, "image", "genbench:latest", "container image with genbench on its PATH")
		fs.StringVar(&e.pvc, "pvc", "genbench-results", "PersistentVolumeClaim (ReadWriteMany) for the results")
		fs.StringVar(&e.mount, "mount", "/results", "where the claim is mounted in the pods")
		fs.StringVar(&e.namespace, "namespace", "", "namespace of the objects (default: kubectl's)")
	}
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "genbench emit %s: want one spec file\n%s", target, usage)
		return 2
	}
	spec, ok := loadSpec(pos[0], stderr)
	if !ok {
		return 2
	}
	text, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "genbench emit: %v\n", err)
		return 2
	}
	e.spec, e.specText = spec, string(text)
	e.trials = len(spec.TrialSpecs())
	var buf bytes.Buffer
	if target == "slurm" {
		err = e.slurm(&buf)
	} else {
		err = e.k8s(&buf)
	}
	if err != nil {
		fmt.Fprintf(stderr, "genbench emit %s: %v\n", target, err)
		return 2
	}
	if e.script == "" {
		stdout.Write(buf.Bytes())
		return 0
	}
	mode := os.FileMode(0o644)
	if target == "slurm" {
		mode = 0o755
	}
	if err := experiments.WriteFileAtomic(e.script, buf.Bytes()); err == nil {
		err = os.Chmod(e.script, mode)
	}
	if err != nil {
		fmt.Fprintf(stderr, "genbench emit: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: %d trials in %d shards\n", e.script, e.trials, e.shards)
	return 0
}

// emitter holds the settings of an emitted job.
type emitter struct {
	spec                         *experiments.Spec
	specText                     string
	trials, shards, cpus, jobs   int
	out, name, script, mem, time string
	partition, account, bin      string // slurm
	image, pvc, mount, namespace string // k8s
}

var dnsLabelRE = regexp.MustCompile(`[^a-z0-9-]+`)

// settle fills defaults shared by both targets.
func (e *emitter) settle() error {
	if e.shards == 0 {
		e.shards = min(e.trials, 8)
	}
	if e.shards < 1 {
		return fmt.Errorf("-shards %d: want at least 1", e.shards)
	}
	if e.shards > e.trials {
		return fmt.Errorf("-shards %d: the spec has only %d trials", e.shards, e.trials)
	}
	if e.cpus < 1 {
		return fmt.Errorf("-cpus %d: want at least 1", e.cpus)
	}
	if e.jobs == 0 {
		e.jobs = experiments.DefaultJobs(e.cpus)
	}
	if e.jobs < 1 {
		return fmt.Errorf("-j %d: want at least 1", e.jobs)
	}
	if e.name == "" {
		e.name = "genbench-" + e.spec.Name
	}
	return nil
}

// shq quotes s for the shell.
func shq(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// heredocEnd returns a here-document delimiter that does not occur in text.
func heredocEnd(text, base string) string {
	d := base
	for i := 1; strings.Contains(text, d); i++ {
		d = fmt.Sprintf("%s_%d", base, i)
	}
	return d
}

// slurm writes a submission script: it stores the spec in the results
// folder, submits a job array with one task per shard, and a merge job
// that runs when every task has succeeded (--dependency=afterok).
func (e *emitter) slurm(w io.Writer) error {
	if err := e.settle(); err != nil {
		return err
	}
	if e.out == "" {
		return fmt.Errorf("-o: give the results folder on storage that every node sees")
	}
	out, err := filepath.Abs(e.out)
	if err != nil {
		return err
	}
	bin := e.bin
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("finding this binary (give -bin): %w", err)
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	for _, s := range []string{out, e.name, e.mem, e.time, e.partition, e.account} {
		if strings.ContainsAny(s, " \t\n'\"") {
			return fmt.Errorf("%q: #SBATCH values cannot hold spaces or quotes", s)
		}
	}
	specFile := filepath.Join(out, "spec.yaml")
	sbatch := func(b *strings.Builder, name string, extra ...string) {
		opts := []string{"--job-name=" + name}
		opts = append(opts, extra...)
		if e.partition != "" {
			opts = append(opts, "--partition="+e.partition)
		}
		if e.account != "" {
			opts = append(opts, "--account="+e.account)
		}
		for _, o := range opts {
			fmt.Fprintf(b, "#SBATCH %s\n", o)
		}
	}
	var run strings.Builder
	run.WriteString("#!/usr/bin/env bash\n")
	sbatch(&run, e.name, fmt.Sprintf("--array=0-%d", e.shards-1), fmt.Sprintf("--cpus-per-task=%d", e.cpus),
		"--mem="+e.mem, "--time="+e.time, "--output="+filepath.Join(out, "logs", "run-%A_%a.out"))
	fmt.Fprintf(&run, `set -u
shard=${SLURM_ARRAY_TASK_ID:?not run as a Slurm array task}
# Use the task's cores only, whatever the node has.
export GOMAXPROCS=${SLURM_CPUS_PER_TASK:-%[6]d}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-%[7]d}
%[1]s run %[2]s -shard "$shard/%[3]d" -o %[4]s"/$shard" -j %[5]d
rc=$?
# Exit code 1 means some trials failed or diverged: that is a result, recorded
# in the shard's folder, and the merge must still run. 130 means interrupted
# (time limit): resubmit to resume from the checkpoints. 75 means another job
# (an earlier submission still running) holds some of the shard's trials.
if [ "$rc" -eq 1 ]; then
	echo "genbench: shard $shard: some trials failed or diverged; see their records" >&2
	rc=0
fi
exit "$rc"
`, shq(bin), shq(specFile), e.shards, shq(filepath.Join(out, "shards")), e.jobs, e.cpus, max(1, e.cpus/e.jobs))

	var merge strings.Builder
	merge.WriteString("#!/usr/bin/env bash\n")
	sbatch(&merge, e.name+"-merge", "--cpus-per-task=1", "--mem=1G", "--time=00:30:00", "--output="+filepath.Join(out, "logs", "merge-%j.out"))
	var shardDirs []string
	for i := 0; i < e.shards; i++ {
		shardDirs = append(shardDirs, shq(filepath.Join(out, "shards", fmt.Sprint(i))))
	}
	fmt.Fprintf(&merge, `set -euo pipefail
%[1]s merge %[2]s %[3]s
%[1]s summary %[2]s > %[4]s
case "$(%[1]s help)" in
*"genbench report"*) %[1]s report %[2]s -o %[5]s ;;
esac
echo "genbench: merged results in "%[2]s
`, shq(bin), shq(out), strings.Join(shardDirs, " "), shq(filepath.Join(out, "summary.txt")), shq(filepath.Join(out, "report")))

	specEnd := heredocEnd(e.specText, "GENBENCH_SPEC")
	runEnd := heredocEnd(run.String(), "GENBENCH_RUN")
	mergeEnd := heredocEnd(merge.String(), "GENBENCH_MERGE")
	fmt.Fprintf(w, `#!/usr/bin/env bash
# Generated by genbench emit slurm for spec %[1]s (%[2]d trials, %[3]d shards,
# spec hash %.12[4]s). Run it on a login node: bash THIS_FILE
#   - stores the spec in %[5]s/spec.yaml,
#   - submits a job array, one task per shard (genbench run -shard i/%[3]d),
#     results in %[5]s/shards/<i>,
#   - submits a merge job (--dependency=afterok on the array) that merges the
#     shards into %[5]s (results.json, trials/), writes summary.txt and, when
#     genbench has the report command, the report.
# Re-running it after a failure or a time limit resumes: finished trials are
# skipped and interrupted ones continue from their checkpoints.
# GENBENCH_WAIT=1 makes it wait for the merge job and exit with its status.
set -euo pipefail
mkdir -p %[6]s %[7]s
cat > %[8]s <<'%[9]s'
%[10]s%[9]s
run_job=$(sbatch --parsable <<'%[11]s'
%[12]s%[11]s
)
run_job=${run_job%%%%;*}
echo "genbench: submitted shard array job $run_job"
wait_flag=()
if [ "${GENBENCH_WAIT:-0}" = 1 ]; then wait_flag=(--wait); fi
merge_job=$(sbatch --parsable ${wait_flag[@]+"${wait_flag[@]}"} --dependency=afterok:"$run_job" --kill-on-invalid-dep=yes <<'%[13]s'
%[14]s%[13]s
)
echo "genbench: submitted merge job ${merge_job%%%%;*} (runs after $run_job succeeds)"
`, e.spec.Name, e.trials, e.shards, e.spec.Hash, out,
		shq(filepath.Join(out, "logs")), shq(filepath.Join(out, "shards")), shq(specFile),
		specEnd, ensureNewline(e.specText), runEnd, run.String(), mergeEnd, merge.String())
	return nil
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// Kubernetes objects, only the fields genbench sets.

type k8sMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

type k8sConfigMap struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   k8sMeta           `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
}

type k8sJob struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   k8sMeta    `yaml:"metadata"`
	Spec       k8sJobSpec `yaml:"spec"`
}

type k8sJobSpec struct {
	CompletionMode string         `yaml:"completionMode,omitempty"`
	Completions    int            `yaml:"completions"`
	Parallelism    int            `yaml:"parallelism"`
	BackoffLimit   int            `yaml:"backoffLimit"`
	Suspend        bool           `yaml:"suspend,omitempty"`
	Template       k8sPodTemplate `yaml:"template"`
}

type k8sPodTemplate struct {
	Metadata k8sMeta    `yaml:"metadata"`
	Spec     k8sPodSpec `yaml:"spec"`
}

type k8sPodSpec struct {
	RestartPolicy string         `yaml:"restartPolicy"`
	Containers    []k8sContainer `yaml:"containers"`
	Volumes       []k8sVolume    `yaml:"volumes"`
}

type k8sContainer struct {
	Name         string         `yaml:"name"`
	Image        string         `yaml:"image"`
	Command      []string       `yaml:"command"`
	Env          []k8sEnv       `yaml:"env,omitempty"`
	Resources    k8sResources   `yaml:"resources"`
	VolumeMounts []k8sVolumeMnt `yaml:"volumeMounts"`
}

type k8sEnv struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type k8sResources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

type k8sVolumeMnt struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

type k8sVolume struct {
	Name                  string        `yaml:"name"`
	PersistentVolumeClaim *k8sClaimRef  `yaml:"persistentVolumeClaim,omitempty"`
	ConfigMap             *k8sConfigRef `yaml:"configMap,omitempty"`
}

type k8sClaimRef struct {
	ClaimName string `yaml:"claimName"`
}

type k8sConfigRef struct {
	Name string `yaml:"name"`
}

// k8s writes a multi-document manifest: a ConfigMap with the spec, an
// Indexed Job with one completion per shard (JOB_COMPLETION_INDEX is the
// shard), and a merge Job created suspended, to be resumed when the first
// Job has completed (Kubernetes Jobs have no dependencies).
func (e *emitter) k8s(w io.Writer) error {
	if err := e.settle(); err != nil {
		return err
	}
	name := strings.Trim(dnsLabelRE.ReplaceAllString(strings.ToLower(e.name), "-"), "-")
	if len(name) > 50 {
		name = strings.Trim(name[:50], "-")
	}
	if name == "" {
		return fmt.Errorf("-name %q: no letters or digits for a Kubernetes name", e.name)
	}
	mount := path.Clean(e.mount)
	if !path.IsAbs(mount) {
		return fmt.Errorf("-mount %q: want an absolute path", e.mount)
	}
	out := e.out
	if out == "" {
		out = path.Join(mount, e.spec.Name)
	}
	out = path.Clean(out)
	if !strings.HasPrefix(out, mount+"/") {
		return fmt.Errorf("-o %s: must lie under the claim's mount %s", out, mount)
	}
	labels := map[string]string{"app.kubernetes.io/name": "genbench", "genbench/spec": name}
	meta := func(n string) k8sMeta { return k8sMeta{Name: n, Namespace: e.namespace, Labels: labels} }
	volumes := []k8sVolume{
		{Name: "results", PersistentVolumeClaim: &k8sClaimRef{ClaimName: e.pvc}},
		{Name: "spec", ConfigMap: &k8sConfigRef{Name: name + "-spec"}},
	}
	mounts := []k8sVolumeMnt{{Name: "results", MountPath: mount}, {Name: "spec", MountPath: "/etc/genbench", ReadOnly: true}}
	res := k8sResources{
		Requests: map[string]string{"cpu": fmt.Sprint(e.cpus), "memory": e.mem},
		Limits:   map[string]string{"cpu": fmt.Sprint(e.cpus), "memory": e.mem},
	}
	runCmd := fmt.Sprintf(`genbench run /etc/genbench/spec.yaml -shard "$JOB_COMPLETION_INDEX/%d" -o %s"/$JOB_COMPLETION_INDEX" -j %d
rc=$?
# 1: some trials failed or diverged, which is a result: the shard is done.
if [ "$rc" -eq 1 ]; then rc=0; fi
exit "$rc"`, e.shards, shq(path.Join(out, "shards")), e.jobs)
	var shardDirs []string
	for i := 0; i < e.shards; i++ {
		shardDirs = append(shardDirs, shq(path.Join(out, "shards", fmt.Sprint(i))))
	}
	mergeCmd := fmt.Sprintf(`set -e
genbench merge %[1]s %[2]s
genbench summary %[1]s > %[3]s
case "$(genbench help)" in *"genbench report"*) genbench report %[1]s -o %[4]s ;; esac`,
		shq(out), strings.Join(shardDirs, " "), shq(path.Join(out, "summary.txt")), shq(path.Join(out, "report")))
	cm := k8sConfigMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: meta(name + "-spec"),
		Data: map[string]string{"spec.yaml": ensureNewline(e.specText)}}
	runJob := k8sJob{APIVersion: "batch/v1", Kind: "Job", Metadata: meta(name + "-run"), Spec: k8sJobSpec{
		CompletionMode: "Indexed", Completions: e.shards, Parallelism: e.shards, BackoffLimit: 2 * e.shards,
		Template: k8sPodTemplate{Metadata: k8sMeta{Labels: labels}, Spec: k8sPodSpec{RestartPolicy: "Never",
			Containers: []k8sContainer{{Name: "genbench", Image: e.image, Command: []string{"/bin/sh", "-c", runCmd},
				Env: []k8sEnv{{Name: "GOMAXPROCS", Value: fmt.Sprint(e.cpus)},
					{Name: "OPENBLAS_NUM_THREADS", Value: fmt.Sprint(max(1, e.cpus/e.jobs))}},
				Resources: res, VolumeMounts: mounts}},
			Volumes: volumes}}}}
	mergeRes := k8sResources{Requests: map[string]string{"cpu": "1", "memory": "1Gi"}, Limits: map[string]string{"cpu": "1", "memory": "1Gi"}}
	mergeJob := k8sJob{APIVersion: "batch/v1", Kind: "Job", Metadata: meta(name + "-merge"), Spec: k8sJobSpec{
		Completions: 1, Parallelism: 1, BackoffLimit: 2, Suspend: true,
		Template: k8sPodTemplate{Metadata: k8sMeta{Labels: labels}, Spec: k8sPodSpec{RestartPolicy: "Never",
			Containers: []k8sContainer{{Name: "merge", Image: e.image, Command: []string{"/bin/sh", "-c", mergeCmd},
				Resources: mergeRes, VolumeMounts: mounts}},
			Volumes: volumes}}}}
	ns := ""
	if e.namespace != "" {
		ns = " -n " + e.namespace
	}
	fmt.Fprintf(w, `# Generated by genbench emit k8s for spec %[1]s (%[2]d trials, %[3]d shards, spec hash %.12[4]s).
# The claim %[5]s (ReadWriteMany) must exist; results go to %[6]s.
#   kubectl%[7]s apply -f THIS_FILE
#   kubectl%[7]s wait --for=condition=complete --timeout=24h job/%[8]s-run
#   kubectl%[7]s patch job/%[8]s-merge --type=merge -p '{"spec":{"suspend":false}}'
# The merge Job is created suspended: Jobs have no dependencies, so it is
# resumed by hand (or by CI) once the run Job has completed. A failed pod is
# retried (backoffLimit) and resumes from its shard's checkpoints.
`, e.spec.Name, e.trials, e.shards, e.spec.Hash, e.pvc, out, ns, name)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	for _, doc := range []any{cm, runJob, mergeJob} {
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("encoding the manifest: %w", err)
		}
	}
	return enc.Close()
}
