package digits

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/genbench/genbench/datasets"
	"github.com/genbench/genbench/internal/atomicfile"
	"github.com/genbench/genbench/nn"
)

// hashData returns the hex SHA-256 of a data set's training pixels (as
// float64 bits, row by row) and labels: what a classifier learned from.
func hashData(d *datasets.Data) string {
	h := sha256.New()
	r, c := d.Train.Dims()
	buf := make([]byte, 8*c)
	fmt.Fprintf(h, "%s %d×%d\n", d.Name, r, c)
	for i := range r {
		for j, v := range d.Train.RawRowView(i) {
			binary.LittleEndian.PutUint64(buf[8*j:], math.Float64bits(v))
		}
		h.Write(buf)
	}
	for _, l := range d.TrainLabels {
		binary.LittleEndian.PutUint64(buf[:8], uint64(l))
		h.Write(buf[:8])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hash identifies the network as a feature space: 16 hex digits of the
// SHA-256 of its training data's hash, its architecture, its training
// recipe and the code version. Store it beside every FD, KID and PRDC
// value: values computed with different hashes are not comparable.
func (c *Classifier) Hash() string {
	r := c.recipe
	h := sha256.Sum256(fmt.Appendf(nil, "data %s\narch %s\nepochs %d batch %d lr %g seed %d\ncode %s\n",
		c.dataHash, c.Architecture(), r.Epochs, r.BatchSize, r.LR, r.Seed, codeVersion))
	return hex.EncodeToString(h[:8])
}

// cacheTag is what a cache file must declare to be used: Version for the
// MNIST digit classifier (its key before recipes existed), the network
// hash otherwise.
func (c *Classifier) cacheTag() string {
	if c.recipe.isMNISTDefault() {
		return Version
	}
	return c.Hash()
}

type cacheFile struct {
	Version  string
	Accuracy float64
	Params   []byte
	Sum      [32]byte
}

func (c *Classifier) save(path string) error {
	var buf bytes.Buffer
	if err := (nn.Checkpoint[float32]{Params: &c.params}).Save(&buf); err != nil {
		return err
	}
	f := cacheFile{Version: c.cacheTag(), Accuracy: c.Accuracy, Params: buf.Bytes(), Sum: sha256.Sum256(buf.Bytes())}
	var out bytes.Buffer
	if err := gob.NewEncoder(&out).Encode(f); err != nil {
		return err
	}
	return atomicfile.Write(path, out.Bytes())
}

// loadInto fills the untrained classifier c with the weights cached at
// path, if the file is whole and declares c's cache tag.
func (c *Classifier) loadInto(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f cacheFile
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if f.Version != c.cacheTag() || sha256.Sum256(f.Params) != f.Sum {
		return fmt.Errorf("%s: stale or damaged classifier cache", path)
	}
	if err := (nn.Checkpoint[float32]{Params: &c.params}).Load(bytes.NewReader(f.Params)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c.Accuracy = f.Accuracy
	return nil
}

// cacheDir is GENBENCH_CACHE, else genbench in the user cache folder.
func cacheDir() string {
	if dir := os.Getenv("GENBENCH_CACHE"); dir != "" {
		return dir
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "genbench")
	}
	return filepath.Join(os.TempDir(), "genbench-cache")
}

// CachePath is where the MNIST digit classifier is cached.
func CachePath() string { return filepath.Join(cacheDir(), "digits-"+Version+".gob") }

// cachePath is where the classifier c is cached.
func (c *Classifier) cachePath() string {
	if c.recipe.isMNISTDefault() {
		return CachePath()
	}
	return filepath.Join(cacheDir(), fmt.Sprintf("classifier-%s-%s.gob", c.recipe.Dataset, c.Hash()))
}

var shared struct {
	sync.Mutex
	byRecipe map[string]*Classifier
}

// Get returns the MNIST digit classifier, loading it from the cache or
// training and caching it (about a minute or two on 2 cores) the first
// time.
func Get(progress io.Writer) (*Classifier, error) { return GetRecipe(MNIST(), progress) }

// GetRecipe returns the classifier r describes: from memory after the
// first call in a process, else from the cache (building the recipe's
// data to hash them takes a second or two), else trained and cached.
func GetRecipe(r Recipe, progress io.Writer) (*Classifier, error) {
	key := fmt.Sprintf("%+v", r) // fmt prints maps sorted by key
	shared.Lock()
	defer shared.Unlock()
	if c, ok := shared.byRecipe[key]; ok {
		return c, nil
	}
	d, classes, err := trainingData(r)
	if err != nil {
		return nil, err
	}
	dataHash := hashData(d)
	fresh := func() *Classifier { return newClassifier(r, d.Dim, classes, dataHash) }
	c := fresh()
	path := c.cachePath()
	if err := c.loadInto(path); err != nil {
		if progress != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(progress, "%s classifier: %v; retraining\n", r.Dataset, err)
		}
		c = fresh() // a failed load may have filled some weights
		if err := c.train(d, progress); err != nil {
			return nil, err
		}
		if err := c.save(path); err != nil && progress != nil {
			fmt.Fprintf(progress, "%s classifier: not cached: %v\n", r.Dataset, err)
		}
	}
	if shared.byRecipe == nil {
		shared.byRecipe = map[string]*Classifier{}
	}
	shared.byRecipe[key] = c
	return c, nil
}
