package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
)

// A checkpoint file, DIR/checkpoints/<trial-id>.ckpt, holds everything
// needed to continue an interrupted trial exactly where its last finished
// epoch left it:
//
//	offset  size  content
//	0       8     magic "GBCKPT\r\n"
//	8       4     format version, big-endian uint32 (1)
//	12      8     payload length in bytes, big-endian uint64
//	20      32    SHA-256 of the payload
//	52      n     payload: gob of {Trial id, TrainState}
//
// The file is written through a temporary file, fsync and rename, so a
// crash leaves the previous checkpoint or the new one, never half of one;
// a truncated or corrupted file (wrong magic, length or checksum) is
// detected by ReadCheckpoint and never used.

const (
	checkpointMagic   = "GBCKPT\r\n"
	checkpointVersion = 1
	checkpointHeader  = 8 + 4 + 8 + sha256.Size
)

// ErrBadCheckpoint marks a checkpoint file that cannot be used: truncated,
// corrupted, of another format version or of another trial.
var ErrBadCheckpoint = errors.New("unusable checkpoint")

type checkpointPayload struct {
	Trial string
	State TrainState
}

// EncodeCheckpoint serialises a trial's training state in the checkpoint
// format.
func EncodeCheckpoint(trial string, st *TrainState) ([]byte, error) {
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(checkpointPayload{Trial: trial, State: *st}); err != nil {
		return nil, fmt.Errorf("encoding checkpoint: %w", err)
	}
	sum := sha256.Sum256(payload.Bytes())
	out := make([]byte, 0, checkpointHeader+payload.Len())
	out = append(out, checkpointMagic...)
	out = binary.BigEndian.AppendUint32(out, checkpointVersion)
	out = binary.BigEndian.AppendUint64(out, uint64(payload.Len()))
	out = append(out, sum[:]...)
	return append(out, payload.Bytes()...), nil
}

// DecodeCheckpoint checks and decodes a checkpoint of the given trial.
// Every problem is an error wrapping ErrBadCheckpoint.
func DecodeCheckpoint(trial string, data []byte) (*TrainState, error) {
	bad := func(format string, args ...any) (*TrainState, error) {
		return nil, fmt.Errorf("%w: %s", ErrBadCheckpoint, fmt.Sprintf(format, args...))
	}
	if len(data) < checkpointHeader {
		return bad("truncated: %d bytes, shorter than the %d-byte header", len(data), checkpointHeader)
	}
	if string(data[:8]) != checkpointMagic {
		return bad("not a genbench checkpoint (wrong magic)")
	}
	if v := binary.BigEndian.Uint32(data[8:12]); v != checkpointVersion {
		return bad("format version %d, this genbench reads %d", v, checkpointVersion)
	}
	n := binary.BigEndian.Uint64(data[12:20])
	if have := uint64(len(data) - checkpointHeader); have != n {
		return bad("truncated or padded: header says %d payload bytes, file has %d", n, have)
	}
	payload := data[checkpointHeader:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], data[20:52]) {
		return bad("checksum mismatch (corrupted)")
	}
	var p checkpointPayload
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&p); err != nil {
		return bad("undecodable payload: %v", err)
	}
	if p.Trial != trial {
		return bad("belongs to trial %q, not %q", p.Trial, trial)
	}
	return &p.State, nil
}

// WriteCheckpoint writes a checkpoint file atomically (temporary file,
// fsync, rename, fsync of the folder).
func WriteCheckpoint(path, trial string, st *TrainState) error {
	data, err := EncodeCheckpoint(trial, st)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("writing checkpoint %s: %w", path, err)
	}
	return nil
}

// ReadCheckpoint reads and checks the checkpoint file of a trial. A
// missing file is an error satisfying errors.Is(err, os.ErrNotExist); an
// unusable one wraps ErrBadCheckpoint.
func ReadCheckpoint(path, trial string) (*TrainState, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	st, err := DecodeCheckpoint(trial, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}
