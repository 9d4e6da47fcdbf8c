package cluster_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/cluster"
)

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`# two shards
shards:
  - name: eu
    scope: ryjl3-tyaaa-aaaaa-aaaba-cai
    server: http://10.0.0.1:7070
  - name: us-2
    scope: 6ba7b810-9dad-11d1-80b4-00c04fd430c8
    server: https://us.example.org
`), 0o600))
	cfg, err := cluster.LoadConfig(path)
	require.NoError(t, err)
	require.Equal(t, &cluster.Config{Shards: []cluster.ShardConfig{
		{Name: "eu", Scope: "ryjl3-tyaaa-aaaaa-aaaba-cai", Server: "http://10.0.0.1:7070"},
		{Name: "us-2", Scope: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", Server: "https://us.example.org"},
	}}, cfg)

	_, err = cluster.LoadConfig(filepath.Join(t.TempDir(), "none.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestConfigErrors(t *testing.T) {
	const good = "    scope: ryjl3-tyaaa-aaaaa-aaaba-cai\n    server: http://127.0.0.1:1\n"
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", "no shards"},
		{"no shards", "shards: []\n", "no shards"},
		{"unknown field", "shards:\n  - name: a\n" + good + "    weight: 3\n", "weight"},
		{"unknown top field", "shard:\n  - name: a\n", "shard"},
		{"not YAML", "shards: [\n", "cluster.yaml"},
		{"no name", "shards:\n  - scope: ryjl3-tyaaa-aaaaa-aaaba-cai\n    server: http://127.0.0.1:1\n", `shards[0]: name ""`},
		{"bad name", "shards:\n  - name: A B\n" + good, `name "A B"`},
		{"bad scope", "shards:\n  - name: a\n    scope: ryjl3-tyaaa-aaaaa-aaaba-caj\n    server: http://127.0.0.1:1\n", `scope "ryjl3-tyaaa-aaaaa-aaaba-caj"`},
		{"no server", "shards:\n  - name: a\n    scope: ryjl3-tyaaa-aaaaa-aaaba-cai\n", `server ""`},
		{"bad server", "shards:\n  - name: a\n    scope: ryjl3-tyaaa-aaaaa-aaaba-cai\n    server: 127.0.0.1:1\n", `server "127.0.0.1:1"`},
		{"name twice", "shards:\n  - name: a\n" + good + "  - name: a\n    scope: 6ba7b810-9dad-11d1-80b4-00c04fd430c8\n    server: http://127.0.0.1:2\n", `shards[1]: name "a" is shards[0]'s too`},
		{"scope twice", "shards:\n  - name: a\n" + good + "  - name: b\n" + good, "scope ryjl3-tyaaa-aaaaa-aaaba-cai is shards[0]'s too"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cluster.ParseConfig([]byte(tc.src), "cluster.yaml")
			require.ErrorIs(t, err, cluster.ErrConfig)
			require.Contains(t, err.Error(), tc.want)
			require.Contains(t, err.Error(), "cluster.yaml")
		})
	}
}
