package experiments

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// board is a run's combined progress display. On a terminal it keeps a
// status line and one line per worker at the bottom of the screen,
// redrawn in place, with messages scrolling above them; elsewhere every
// update is a log line.
type board struct {
	mu       sync.Mutex
	w        io.Writer
	term     bool
	lines    []string  // per worker; "" when idle
	frac     []float64 // per worker: fraction of its trial done
	drawn    int       // lines of the board on screen
	total    int       // trials to run
	finished int
	began    time.Time
	last     time.Time // last redraw
}

func newBoard(w io.Writer, term bool, workers int) *board {
	return &board{w: w, term: term, lines: make([]string, workers), frac: make([]float64, workers), began: time.Now()}
}

// start sets the number of trials the run will train.
func (b *board) start(total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total, b.began = total, time.Now()
}

// logf prints a message line (above the board on a terminal).
func (b *board) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
	fmt.Fprintf(b.w, format+"\n", args...)
	b.draw()
}

// progress sets a worker's line; frac is the part of its trial done.
func (b *board) progress(worker int, line string, frac float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines[worker], b.frac[worker] = line, frac
	if !b.term {
		if !strings.HasSuffix(line, " preparing data and model") {
			fmt.Fprintf(b.w, "%s ETA %s\n", line, b.eta())
		}
		return
	}
	if time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.erase()
	b.draw()
}

// idle clears a worker's line.
func (b *board) idle(worker int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines[worker], b.frac[worker] = "", 0
}

// done counts a finished trial.
func (b *board) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished++
}

// stop removes the board from the screen.
func (b *board) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
}

// eta estimates the time left from the trials and epochs done so far.
func (b *board) eta() string {
	done := float64(b.finished)
	for _, f := range b.frac {
		done += f
	}
	if done <= 0 || b.total == 0 {
		return "?"
	}
	elapsed := time.Since(b.began).Seconds()
	left := elapsed/done*float64(b.total) - elapsed
	return (time.Duration(max(left, 0)) * time.Second).Round(time.Second).String()
}

// erase moves the cursor to the first board line and clears the rest of
// the screen.
func (b *board) erase() {
	if !b.term || b.drawn == 0 {
		return
	}
	fmt.Fprintf(b.w, "\033[%dF\033[J", b.drawn)
	b.drawn = 0
}

func (b *board) draw() {
	if !b.term || b.total == 0 {
		return
	}
	running := 0
	for _, l := range b.lines {
		if l != "" {
			running++
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\033[K%d/%d trials done, %d running, %s elapsed, ETA %s\n", b.finished, b.total, running,
		time.Since(b.began).Round(time.Second), b.eta())
	n := 1
	for i, l := range b.lines {
		if l == "" {
			l = "idle"
		}
		fmt.Fprintf(&sb, "\033[K  w%d %s\n", i+1, l)
		n++
	}
	io.WriteString(b.w, sb.String())
	b.drawn, b.last = n, time.Now()
}
