package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/genbench/genbench/experiments"
	"github.com/genbench/genbench/results"
)

// TestMain lets a test re-execute its own binary as the genbench command
// (GENBENCH_TEST_MAIN=1), to kill and interrupt real processes.
func TestMain(m *testing.M) {
	if os.Getenv("GENBENCH_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is a genbench process started by a test.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{} // closed when it has exited
	err            error         // its exit, once done
}

// genbench starts this test binary as the genbench command.
func genbench(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), "GENBENCH_TEST_MAIN=1")
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// wait waits for the child's exit.
func (c *child) wait() error {
	<-c.done
	return c.err
}

// unfinishedCheckpoints counts checkpoints of trials without a record.
func unfinishedCheckpoints(t *testing.T, dir string) int {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	n := 0
	for _, p := range paths {
		id := strings.TrimSuffix(filepath.Base(p), ".ckpt")
		if _, err := os.Stat(filepath.Join(dir, "trials", id+".json")); err != nil {
			n++
		}
	}
	return n
}

func count(t *testing.T, pattern string) int {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// stable reads a results folder's non-timing metrics by trial.
func stable(t *testing.T, dir string) map[string]map[string]float64 {
	t.Helper()
	f, err := results.ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) > 0 {
		t.Fatal(f.Problems)
	}
	out := map[string]map[string]float64{}
	for _, r := range f.Records {
		m := map[string]float64{}
		for k, v := range r.Metrics {
			if !experiments.IsTimingMetric(k) {
				m[k] = v
			}
		}
		out[r.Trial] = m
	}
	return out
}

// waitFor polls until cond holds or the process exits; it reports
// whether cond held while the process ran.
func waitFor(t *testing.T, c *child, cond func() bool) bool {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if cond() {
			return true
		}
		select {
		case <-c.done:
			return false
		case <-deadline:
			t.Fatal("timed out waiting for the run")
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// TestKillAndResume is the acceptance test of resumption: a 12-trial
// sweep killed with SIGKILL once some trials are finished and a
// checkpoint exists, then re-run, gives the same non-timing metrics as an
// uninterrupted run.
func TestKillAndResume(t *testing.T) {
	root := t.TempDir()
	ref := filepath.Join(root, "ref")
	var so, se bytes.Buffer
	if code := run([]string{"run", "testdata/sweep.yaml", "-o", ref, "-q", "-j", "1"}, &so, &se); code != 0 {
		t.Fatalf("reference run: exit %d\n%s%s", code, so.String(), se.String())
	}
	want := stable(t, ref)
	if len(want) != 12 {
		t.Fatalf("reference run: %d trials, want 12", len(want))
	}

	dir := filepath.Join(root, "killed")
	c := genbench(t, "run", "testdata/sweep.yaml", "-o", dir, "-j", "1")
	caught := waitFor(t, c, func() bool {
		return count(t, filepath.Join(dir, "trials", "*.json")) >= 2 && unfinishedCheckpoints(t, dir) >= 1
	})
	if !caught {
		t.Fatalf("the run ended before it could be killed; make its trials longer\n%s", c.stderr.String())
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.wait()
	finished := count(t, filepath.Join(dir, "trials", "*.json"))
	if finished >= 12 || unfinishedCheckpoints(t, dir) == 0 {
		t.Fatalf("killed with %d trials done and no checkpoint of an unfinished trial", finished)
	}
	so.Reset()
	se.Reset()
	if code := run([]string{"run", "testdata/sweep.yaml", "-o", dir, "-j", "2"}, &so, &se); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s%s", code, so.String(), se.String())
	}
	if !strings.Contains(so.String(), "resumed from checkpoints") || !strings.Contains(se.String(), "resuming from its checkpoint after epoch") {
		t.Errorf("nothing resumed:\n%s\n%s", so.String(), se.String())
	}
	if got := stable(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed results differ from the uninterrupted run:\n%v\n%v", got, want)
	}
	if n := count(t, filepath.Join(dir, "checkpoints", "*")); n != 0 {
		t.Errorf("%d checkpoint files left", n)
	}
}

// TestInterruptExitsCleanly sends SIGINT to a run: it must exit with 130,
// keep its checkpoints, and resume to the same results.
func TestInterruptExitsCleanly(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "int")
	c := genbench(t, "run", "testdata/sweep.yaml", "-o", dir, "-j", "1", "-q")
	stdout, stderr := &c.stdout, &c.stderr
	if !waitFor(t, c, func() bool { return unfinishedCheckpoints(t, dir) >= 1 }) {
		t.Fatalf("the run ended before it could be interrupted\n%s", stderr.String())
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := c.wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want %d\n%s%s", err, exitInterrupted, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopping after the current step") || !strings.Contains(stdout.String(), "interrupted:") {
		t.Errorf("no interruption message:\n%s\n%s", stdout.String(), stderr.String())
	}
	if unfinishedCheckpoints(t, dir) == 0 {
		t.Error("no checkpoint kept")
	}
	if n := count(t, filepath.Join(dir, "checkpoints", ".*")); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
	var so, se bytes.Buffer
	if code := run([]string{"run", "testdata/sweep.yaml", "-o", dir, "-q"}, &so, &se); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", code, se.String())
	}
	ref := filepath.Join(root, "ref")
	if code := run([]string{"run", "testdata/sweep.yaml", "-o", ref, "-q"}, &so, &se); code != 0 {
		t.Fatalf("reference run: exit %d", code)
	}
	if !reflect.DeepEqual(stable(t, dir), stable(t, ref)) {
		t.Error("interrupted and resumed results differ from an uninterrupted run")
	}
}

// TestResultCommands runs summary, baseline, check and merge on real
// results.
func TestResultCommands(t *testing.T) {
	root := t.TempDir()
	res := filepath.Join(root, "res")
	base := filepath.Join(root, "base.json")
	var so, se bytes.Buffer
	if code := run([]string{"run", "testdata/tiny.yaml", "-o", res, "-q"}, &so, &se); code != 0 {
		t.Fatalf("run: %d %s", code, se.String())
	}
	// Shards of the same spec, for merge.
	for _, i := range []string{"0", "1"} {
		if code := run([]string{"run", "testdata/tiny.yaml", "-o", filepath.Join(root, "shard"+i), "-q", "-shard", i + "/2"}, &so, &se); code != 0 {
			t.Fatalf("shard %s: %d %s", i, code, se.String())
		}
	}
	trialFiles, _ := filepath.Glob(filepath.Join(res, "trials", "*.json"))
	if len(trialFiles) != 2 {
		t.Fatalf("%d trial files", len(trialFiles))
	}
	plant := func(t *testing.T, dir string) {
		// A planted regression: one trial's test NLL 0.5 nats worse.
		paths, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
		r, err := results.ReadRecord(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		r.Metrics["test_nll"] += 0.5
		data, _ := json.Marshal(r)
		if err := os.WriteFile(paths[0], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyDir := func(t *testing.T, edit func(*testing.T, string)) string {
		dst := t.TempDir()
		os.MkdirAll(filepath.Join(dst, "trials"), 0o755)
		for _, p := range trialFiles {
			data, _ := os.ReadFile(p)
			os.WriteFile(filepath.Join(dst, "trials", filepath.Base(p)), data, 0o644)
		}
		if edit != nil {
			edit(t, dst)
		}
		return dst
	}
	// misplace copies the first trial's record into the second trial's
	// file: every command notices, none counts it twice or drops it.
	misplace := func(t *testing.T, dir string) {
		p, _ := filepath.Glob(filepath.Join(dir, "trials", "*.json"))
		data, err := os.ReadFile(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p[1], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name      string
		args      func(t *testing.T) []string
		code      int
		stdout    []string
		stderr    []string
		notStdout []string
	}{
		{"summary", func(*testing.T) []string { return []string{"summary", res} }, 0,
			[]string{"DATASET", "ring8", "gauss", "test_nll", "95% CI"}, nil, nil},
		{"summary json", func(*testing.T) []string { return []string{"summary", "-json", res} }, 0, []string{`"ci95_lo"`, `"config"`}, nil, nil},
		{"summary of nothing", func(*testing.T) []string { return []string{"summary", filepath.Join(root, "nope")} }, 1, nil, []string{"nope"}, nil},
		{"baseline", func(*testing.T) []string { return []string{"baseline", res, "-o", base} }, 0, []string{"baseline: 2 trials"}, nil, nil},
		{"baseline without -o", func(*testing.T) []string { return []string{"baseline", res} }, 2, nil, []string{"-o FILE"}, nil},
		{"check passes on its baseline", func(*testing.T) []string { return []string{"check", res, "-baseline", base} }, 0, []string{"check ok"}, nil, nil},
		{"merge", func(*testing.T) []string {
			return []string{"merge", filepath.Join(root, "merged"), filepath.Join(root, "shard0"), filepath.Join(root, "shard1")}
		}, 0, []string{"merged 2 trials"}, nil, nil},
		{"check passes on merged shards", func(*testing.T) []string {
			return []string{"check", filepath.Join(root, "merged"), "-baseline", base}
		}, 0, []string{"check ok"}, nil, nil},
		{"check fails on a planted regression", func(t *testing.T) []string {
			return []string{"check", copyDir(t, plant), "-baseline", base}
		}, 1, []string{"test_nll", "WORSE", "check FAILED", "1 worse beyond tolerance"}, nil, nil},
		{"check fails on a missing trial", func(t *testing.T) []string {
			return []string{"check", copyDir(t, func(t *testing.T, d string) {
				p, _ := filepath.Glob(filepath.Join(d, "trials", "*.json"))
				os.Remove(p[0])
			}), "-baseline", base}
		}, 1, []string{"MISSING trial", "1 missing trials"}, nil, nil},
		{"check fails on a corrupted trial file", func(t *testing.T) []string {
			return []string{"check", copyDir(t, func(t *testing.T, d string) {
				p, _ := filepath.Glob(filepath.Join(d, "trials", "*.json"))
				os.WriteFile(p[1], []byte(`{"trial": "x", "metr`), 0o644)
			}), "-baseline", base}
		}, 1, []string{"MISSING trial"}, []string{"corrupted trial record"}, nil},
		{"check with a bad baseline", func(*testing.T) []string {
			return []string{"check", res, "-baseline", filepath.Join(root, "none.json")}
		}, 2, nil, []string{"baseline"}, nil},
		{"merge refuses a conflict", func(t *testing.T) []string {
			return []string{"merge", filepath.Join(t.TempDir(), "m"), res, copyDir(t, plant)}
		}, 1, nil, []string{"merge refused", "disagree", "test_nll"}, nil},
		{"merge without inputs", func(*testing.T) []string { return []string{"merge", root} }, 2, nil, []string{"want an output folder"}, nil},
		{"summary counts a misplaced record once", func(t *testing.T) []string {
			return []string{"summary", "-json", copyDir(t, misplace)}
		}, 0, []string{`"trials": 1`}, []string{"holds trial", "which has its own record; ignored"}, []string{`"trials": 2`}},
		{"baseline refuses a misplaced record", func(t *testing.T) []string {
			return []string{"baseline", copyDir(t, misplace), "-o", filepath.Join(t.TempDir(), "b.json")}
		}, 1, nil, []string{"holds trial", "refusing"}, nil},
		{"check names a misplaced record", func(t *testing.T) []string {
			return []string{"check", copyDir(t, misplace), "-baseline", base}
		}, 1, []string{"MISSING trial", "1 missing trials"}, []string{"holds trial"}, nil},
		{"merge refuses a misplaced record", func(t *testing.T) []string {
			return []string{"merge", filepath.Join(t.TempDir(), "m"), copyDir(t, misplace)}
		}, 1, nil, []string{"merge refused", "holds trial"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var so, se bytes.Buffer
			if code := run(c.args(t), &so, &se); code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, so.String(), se.String())
			}
			for _, s := range c.stdout {
				if !strings.Contains(so.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, so.String())
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(se.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, se.String())
				}
			}
			for _, s := range c.notStdout {
				if strings.Contains(so.String(), s) {
					t.Errorf("stdout has %q:\n%s", s, so.String())
				}
			}
		})
	}
}

func TestEmitSlurm(t *testing.T) {
	var so, se bytes.Buffer
	code := run([]string{"emit", "slurm", "testdata/sweep.yaml", "-o", "/shared/gb", "-shards", "3", "-cpus", "4",
		"-mem", "2G", "-time", "00:10:00", "-partition", "debug", "-bin", "/opt/genbench"}, &so, &se)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	script := so.String()
	spec, _ := os.ReadFile("testdata/sweep.yaml")
	for _, s := range []string{
		"#SBATCH --array=0-2", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=2G", "#SBATCH --time=00:10:00",
		"#SBATCH --partition=debug", "#SBATCH --job-name=genbench-sweep",
		`'/opt/genbench' run '/shared/gb/spec.yaml' -shard "$shard/3" -o '/shared/gb/shards'"/$shard" -j 2`,
		`--dependency=afterok:"$run_job" --kill-on-invalid-dep=yes`,
		"'/opt/genbench' merge '/shared/gb' '/shared/gb/shards/0' '/shared/gb/shards/1' '/shared/gb/shards/2'",
		"'/opt/genbench' summary '/shared/gb' > '/shared/gb/summary.txt'",
		string(spec),
	} {
		if !strings.Contains(script, s) {
			t.Errorf("script lacks %q", s)
		}
	}
	// The script and each job script in it are valid bash.
	check := func(name, text string) {
		cmd := exec.Command("bash", "-n")
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: bash -n: %v\n%s", name, err, out)
		}
	}
	check("submit script", script)
	for _, tag := range []string{"GENBENCH_RUN", "GENBENCH_MERGE"} {
		start := strings.Index(script, "<<'"+tag+"'\n")
		end := strings.Index(script, "\n"+tag+"\n")
		if start < 0 || end < start {
			t.Fatalf("no %s here-document", tag)
		}
		check(tag, script[start+len(tag)+5:end+1])
	}
	errCases := []struct {
		args []string
		want string
	}{
		{[]string{"emit", "slurm", "testdata/sweep.yaml"}, "-o: give the results folder"},
		{[]string{"emit", "slurm", "testdata/sweep.yaml", "-o", "/x", "-shards", "13"}, "only 12 trials"},
		{[]string{"emit", "slurm", "testdata/sweep.yaml", "-o", "/x y"}, "cannot hold spaces"},
		{[]string{"emit", "pbs", "testdata/sweep.yaml"}, "want slurm or k8s"},
		{[]string{"emit", "slurm", "testdata/bad.yaml", "-o", "/x"}, "unknown parameter"},
	}
	for _, c := range errCases {
		var so, se bytes.Buffer
		if code := run(c.args, &so, &se); code != 2 || !strings.Contains(se.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, se.String(), c.want)
		}
	}
}

func TestEmitK8s(t *testing.T) {
	var so, se bytes.Buffer
	code := run([]string{"emit", "k8s", "testdata/sweep.yaml", "-shards", "4", "-image", "reg/genbench:1", "-pvc", "shared",
		"-cpus", "2", "-mem", "3Gi"}, &so, &se)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	dec := yaml.NewDecoder(strings.NewReader(so.String()))
	var docs []map[string]any
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			break
		}
		docs = append(docs, d)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents, want 3 (ConfigMap, run Job, merge Job)", len(docs))
	}
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := v.(map[string]any)
				v = m[k]
			case int:
				l, _ := v.([]any)
				if k >= len(l) {
					return nil
				}
				v = l[k]
			}
		}
		return v
	}
	spec, _ := os.ReadFile("testdata/sweep.yaml")
	checks := []struct {
		doc  int
		path []any
		want any
	}{
		{0, []any{"kind"}, "ConfigMap"},
		{0, []any{"metadata", "name"}, "genbench-sweep-spec"},
		{0, []any{"data", "spec.yaml"}, string(spec)},
		{1, []any{"apiVersion"}, "batch/v1"},
		{1, []any{"kind"}, "Job"},
		{1, []any{"metadata", "name"}, "genbench-sweep-run"},
		{1, []any{"spec", "completionMode"}, "Indexed"},
		{1, []any{"spec", "completions"}, 4},
		{1, []any{"spec", "parallelism"}, 4},
		{1, []any{"spec", "template", "spec", "restartPolicy"}, "Never"},
		{1, []any{"spec", "template", "spec", "containers", 0, "image"}, "reg/genbench:1"},
		{1, []any{"spec", "template", "spec", "containers", 0, "resources", "limits", "memory"}, "3Gi"},
		{1, []any{"spec", "template", "spec", "containers", 0, "resources", "requests", "cpu"}, "2"},
		{1, []any{"spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"}, "shared"},
		{1, []any{"spec", "template", "spec", "containers", 0, "volumeMounts", 0, "mountPath"}, "/results"},
		{2, []any{"metadata", "name"}, "genbench-sweep-merge"},
		{2, []any{"spec", "suspend"}, true},
		{2, []any{"spec", "completions"}, 1},
	}
	for _, c := range checks {
		if got := get(docs[c.doc], c.path...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("doc %d %v = %#v, want %#v", c.doc, c.path, got, c.want)
		}
	}
	runCmd, _ := get(docs[1], "spec", "template", "spec", "containers", 0, "command", 2).(string)
	if !strings.Contains(runCmd, `genbench run /etc/genbench/spec.yaml -shard "$JOB_COMPLETION_INDEX/4" -o '/results/sweep/shards'"/$JOB_COMPLETION_INDEX" -j 1`) {
		t.Errorf("run command %q", runCmd)
	}
	mergeCmd, _ := get(docs[2], "spec", "template", "spec", "containers", 0, "command", 2).(string)
	if !strings.Contains(mergeCmd, "genbench merge '/results/sweep' '/results/sweep/shards/0'") || !strings.Contains(mergeCmd, "'/results/sweep/shards/3'") {
		t.Errorf("merge command %q", mergeCmd)
	}
	for _, s := range []string{"kubectl apply -f", "kubectl wait --for=condition=complete", `kubectl patch job/genbench-sweep-merge --type=merge -p '{"spec":{"suspend":false}}'`} {
		if !strings.Contains(so.String(), s) {
			t.Errorf("instructions lack %q", s)
		}
	}
	var se2 bytes.Buffer
	if code := run([]string{"emit", "k8s", "testdata/sweep.yaml", "-o", "/elsewhere/x"}, &so, &se2); code != 2 || !strings.Contains(se2.String(), "must lie under") {
		t.Errorf("results outside the mount: exit %d, %s", code, se2.String())
	}
}
