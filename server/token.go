package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// DefaultTokenFile returns where a server keeps its token and a client looks for it by
// default: $XDG_CONFIG_HOME/stablegraph/token, or ~/.config/stablegraph/token. getenv
// reads the environment (os.Getenv).
func DefaultTokenFile(getenv func(string) string) (string, error) {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no token file: neither $XDG_CONFIG_HOME nor $HOME is set")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "stablegraph", "token"), nil
}

// LoadOrCreateToken returns the token in the file at path, or creates the file (mode
// 0600, its directory 0700) holding a new random token. created says which. A token file
// that others can read is refused: a token is as good as the store.
func LoadOrCreateToken(path string) (token string, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		fi, err := os.Stat(path)
		if err != nil {
			return "", false, err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return "", false, fmt.Errorf("token file %s: mode %v lets others read it; chmod 600 it", path, fi.Mode().Perm())
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return "", false, fmt.Errorf("token file %s is empty", path)
		}
		return token, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", false, fmt.Errorf("token file: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	token = hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, fmt.Errorf("token file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("token file: %w", err)
	}
	_, err = f.WriteString(token + "\n")
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(path)
		return "", false, fmt.Errorf("token file: %w", err)
	}
	return token, true, nil
}

// IsLoopback reports whether the address addr (host:port) listens on loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckAccess says whether a server on addr may serve as asked: without a token
// (insecure) only on loopback; anywhere else only with a token.
func CheckAccess(addr string, token string, insecure bool) error {
	switch {
	case insecure && !IsLoopback(addr):
		return invalidf("%s is not a loopback address: serving it needs a token (drop --insecure)", addr)
	case insecure:
		return nil
	case token == "":
		return invalidf("serving without a token needs --insecure, on a loopback address")
	}
	return nil
}
