//go:build !linux

package main

import "os"

// terminalWidth cannot ask the terminal on this system: 0, so genbench
// list uses $COLUMNS or 80.
func terminalWidth(*os.File) int { return 0 }
