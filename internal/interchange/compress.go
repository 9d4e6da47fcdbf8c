package interchange

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// gzipMagic begins every gzip stream (RFC 1952, section 2.3.1).
var gzipMagic = []byte{0x1f, 0x8b}

// Decompress returns a reader of r's content: r itself, or, if r begins with the gzip
// magic bytes, the decompressed stream, whatever the name or format of the input. It
// reports whether r was gzip. A gzip stream that is damaged or cut short is a read error
// of the returned reader, saying so. Concatenated gzip members are read as one stream, as
// gzip -d does.
func Decompress(r io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if len(head) < len(gzipMagic) || head[0] != gzipMagic[0] || head[1] != gzipMagic[1] {
		return br, false, nil
	}
	z, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, gzipError(err)
	}
	return &gzipReader{z: z}, true, nil
}

// gzipReader names the errors of a gzip stream as such.
type gzipReader struct{ z *gzip.Reader }

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.z.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(err)
	}
	return n, err
}

func gzipError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("gzip stream cut short: %w", err)
	}
	return fmt.Errorf("damaged gzip stream: %w", err)
}
