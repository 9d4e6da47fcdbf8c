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

func TestConfigReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`shards:
  - name: eu
    scope: ryjl3-tyaaa-aaaaa-aaaba-cai
    server: http://10.0.0.1:7070
  - name: ap
    scope: 6ba7b810-9dad-11d1-80b4-00c04fd430c8
    replicas:
      - {id: ap-1, server: http://127.0.0.1:7071, raft: 127.0.0.1:7171}
      - id: ap-2
        server: http://127.0.0.1:7072
        raft: 127.0.0.1:7172
`), 0o600))
	cfg, err := cluster.LoadConfig(path)
	require.NoError(t, err)
	ap := cfg.Shards[1]
	require.Equal(t, []string{"http://127.0.0.1:7071", "http://127.0.0.1:7072"}, ap.URLs())
	require.Equal(t, []string{"http://10.0.0.1:7070"}, cfg.Shards[0].URLs())
	require.Equal(t, "127.0.0.1:7172", ap.Peers()[1].Raft)
	sc, rc, err := cfg.Replica("ap-2")
	require.NoError(t, err)
	require.Equal(t, "ap", sc.Name)
	require.Equal(t, "http://127.0.0.1:7072", rc.Server)
	_, _, err = cfg.Replica("ap-9")
	require.ErrorIs(t, err, cluster.ErrNoShard)

	// Save writes what LoadConfig reads back.
	again := filepath.Join(t.TempDir(), "again.yaml")
	require.NoError(t, cfg.Save(again))
	back, err := cluster.LoadConfig(again)
	require.NoError(t, err)
	require.Equal(t, cfg, back)

	const head = "shards:\n  - name: a\n    scope: ryjl3-tyaaa-aaaaa-aaaba-cai\n"
	const r1 = "      - {id: a-1, server: http://127.0.0.1:1, raft: 127.0.0.1:2}\n"
	for _, tc := range []struct{ name, src, want string }{
		{"server and replicas", head + "    server: http://127.0.0.1:9\n    replicas:\n" + r1, "not both"},
		{"id twice", head + "    replicas:\n" + r1 + "      - {id: a-1, server: http://127.0.0.1:3, raft: 127.0.0.1:4}\n", `shards[0].replicas[1]: id "a-1" is shards[0].replicas[0]'s too`},
		{"bad raft", head + "    replicas:\n      - {id: a-1, server: http://127.0.0.1:1, raft: nowhere}\n", `raft "nowhere"`},
		{"address twice", head + "    replicas:\n" + r1 + "      - {id: a-2, server: http://127.0.0.1:3, raft: 127.0.0.1:2}\n", "address 127.0.0.1:2 is shards[0].replicas[0]'s too"},
		{"bad replica server", head + "    replicas:\n      - {id: a-1, server: x, raft: 127.0.0.1:2}\n", `server "x"`},
		{"raft port past 65535", head + "    replicas:\n      - {id: a-1, server: http://127.0.0.1:1, raft: 127.0.0.1:70000}\n", `raft "127.0.0.1:70000": want HOST:PORT, a port from 1 to 65535`},
		{"raft port 0", head + "    replicas:\n      - {id: a-1, server: http://127.0.0.1:1, raft: 127.0.0.1:0}\n", `raft "127.0.0.1:0"`},
		{"server port past 65535", head + "    replicas:\n      - {id: a-1, server: http://127.0.0.1:65536, raft: 127.0.0.1:2}\n", `server "http://127.0.0.1:65536"`},
		{"unknown replica field", head + "    replicas:\n      - {id: a-1, server: http://127.0.0.1:1, raft: 127.0.0.1:2, votes: 2}\n", "votes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cluster.ParseConfig([]byte(tc.src), "cluster.yaml")
			require.ErrorIs(t, err, cluster.ErrConfig)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}
