package experiments

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/genbench/genbench/internal/atomicfile"
	"github.com/genbench/genbench/models"
	"github.com/genbench/genbench/nn"
	"github.com/genbench/genbench/results"
)

var hostOnce struct {
	sync.Once
	cpu, commit string
	modules     map[string]string
}

// hostFacts returns facts about the machine and the build, found once;
// safe for concurrent use (trials run in parallel).
func hostFacts() (cpu, commit string, modules map[string]string) {
	hostOnce.Do(findHostFacts)
	return hostOnce.cpu, hostOnce.commit, hostOnce.modules
}

func findHostFacts() {
	hostOnce.cpu = runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				hostOnce.cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	hostOnce.modules = map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			hostOnce.modules[d.Path] = d.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				hostOnce.commit = s.Value
			}
		}
	}
	if hostOnce.commit == "" {
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			hostOnce.commit = strings.TrimSpace(string(out))
			if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
				hostOnce.commit += "+dirty"
			}
		}
	}
}

func newProvenance(spec *Spec, tr Trial, started time.Time) results.Provenance {
	cpu, commit, mods := hostFacts()
	raw, _ := results.CanonicalJSON(tr.identity())
	return results.Provenance{
		Spec: raw, SpecHash: spec.Hash, SpecName: spec.Name, GoVersion: runtime.Version(), Modules: mods,
		Dtype: tr.Model.Train.Dtype, CPU: cpu, Cores: runtime.NumCPU(), BLAS: nn.BLAS(), Commit: commit,
		Started: started.UTC().Format(time.RFC3339), Finished: time.Now().UTC().Format(time.RFC3339),
	}
}

// WriteFileAtomic writes data to path so that a reader never sees half a
// file and a crash leaves the old file or the new one (see
// atomicfile.Write).
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

// modelInfoOf is the record form of a model type's facts, for the
// trial's parameters (user values; defaults filled in here).
func modelInfoOf(t models.Type, user map[string]any) *results.ModelInfo {
	sampling := t.Sampling
	if p, err := t.Params.Resolve(user); err == nil {
		sampling = t.SamplingOf(p)
	}
	return &results.ModelInfo{Sampling: string(sampling), Baseline: t.Baseline, Accepts: t.Accepts.Names()}
}
