package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/genbench/genbench/params"
)

// Fashion-MNIST (Xiao et al. 2017): 28×28 grey images of 10 kinds of
// clothing in MNIST's IDX format and split sizes, read from the files of
// Debian's dataset-fashion-mnist package (not embedded: 30 MB).

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// the four gzipped IDX files; the environment variable
// GENBENCH_FASHION_MNIST_DIR overrides it.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTInstall is the command that installs the files.
const FashionMNISTInstall = "apt-get install -y dataset-fashion-mnist"

// fashionClassNames are the labels 0..9 of Fashion-MNIST, as the authors
// name them.
var fashionClassNames = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

var (
	fashionOnce sync.Once
	fashionData *mnistRaw
	fashionErr  error
)

// fashionDir returns the folder holding the Fashion-MNIST files.
func fashionDir() string {
	if d := os.Getenv("GENBENCH_FASHION_MNIST_DIR"); d != "" {
		return d
	}
	return FashionMNISTDir
}

// loadFashionMNIST reads and decodes the files once per process.
func loadFashionMNIST() (*mnistRaw, error) {
	fashionOnce.Do(func() { fashionData, fashionErr = readFashionMNIST(fashionDir()) })
	return fashionData, fashionErr
}

// readFashionMNIST reads and decodes the four IDX files in dir. A missing
// file gives an error that wraps os.ErrNotExist and names the install
// command.
func readFashionMNIST(dir string) (*mnistRaw, error) {
	names := []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	files := make([][]byte, len(names))
	for i, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("fashion_mnist: %w; install the files with `%s` (Debian/Ubuntu) or set GENBENCH_FASHION_MNIST_DIR to a folder holding the four IDX .gz files", err, FashionMNISTInstall)
		}
		if err != nil {
			return nil, fmt.Errorf("fashion_mnist: %w", err)
		}
		files[i] = b
	}
	raw, err := decodeIDXSet(files[0], files[1], files[2], files[3])
	if err != nil {
		return nil, fmt.Errorf("fashion_mnist files in %s: %w", dir, err)
	}
	return raw, nil
}

func init() {
	Register(Source{
		Name:   "fashion_mnist",
		Doc:    "Fashion-MNIST clothing images (from Debian's dataset-fashion-mnist), 50k/10k/10k split, preprocessing as mnist",
		Params: idxImageParams("fashion_mnist"),
		Build:  buildFashionMNIST,
		Layout: func(p params.Set) Layout { return imageLayout(p, 1) },
	})
}

func buildFashionMNIST(p params.Set, seed uint64) (*Data, error) {
	raw, err := loadFashionMNIST()
	if err != nil {
		return nil, err
	}
	return buildIDXImages(raw, idxImageSet{
		name:       "fashion_mnist",
		citation:   "Fashion-MNIST (Xiao et al. 2017)",
		classNames: fashionClassNames,
	}, p, seed)
}
