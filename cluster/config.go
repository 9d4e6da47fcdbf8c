package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"

	"github.com/goccy/go-yaml"

	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/uri"
)

// Config is a cluster's membership: its shards, in the order that breaks ties when
// results are merged. It is read from a YAML file:
//
//	shards:
//	  - name: eu                              # unique; how messages and stats name it
//	    scope: ryjl3-tyaaa-aaaaa-aaaba-cai    # the canister ID in its entity URIs
//	    server: http://10.0.0.1:7070          # where 'graphctl serve' answers for it
//	  - name: us
//	    scope: 6ba7b810-9dad-11d1-80b4-00c04fd430c8
//	    server: http://10.0.0.2:7070
//
// A shard replicated through Raft lists its replicas instead of one server: each an ID
// (unique in the cluster, for all time), its server's URL and its Raft address:
//
//   - name: ap
//     scope: 6ba7b811-9dad-11d1-80b4-00c04fd430c8
//     replicas:
//   - {id: ap-1, server: http://10.0.0.3:7070, raft: 10.0.0.3:7071}
//   - {id: ap-2, server: http://10.0.0.4:7070, raft: 10.0.0.4:7071}
//   - {id: ap-3, server: http://10.0.0.5:7070, raft: 10.0.0.5:7071}
//
// Every field is required, names, scopes, replica IDs and addresses are unique, and
// unknown fields are errors.
type Config struct {
	Shards []ShardConfig `yaml:"shards" json:"shards"`
}

// ShardConfig is one shard of a Config.
type ShardConfig struct {
	Name   string `yaml:"name" json:"name"`
	Scope  string `yaml:"scope" json:"scope"`                       // uri.Scope text: a canister principal or a UUID
	Server string `yaml:"server,omitempty" json:"server,omitempty"` // the base URL of its server, http://HOST:PORT
	// Replicas, instead of Server, make the shard a Raft group of these replicas.
	Replicas []ReplicaConfig `yaml:"replicas,omitempty" json:"replicas,omitempty"`
}

// ReplicaConfig is one replica of a replicated shard.
type ReplicaConfig struct {
	ID     string `yaml:"id" json:"id"`         // its Raft server ID
	Server string `yaml:"server" json:"server"` // the base URL of its server, http://HOST:PORT
	Raft   string `yaml:"raft" json:"raft"`     // HOST:PORT of its Raft transport
}

// URLs returns the URLs of the shard's servers: its server, or its replicas'.
func (s ShardConfig) URLs() []string {
	if len(s.Replicas) == 0 {
		return []string{s.Server}
	}
	out := make([]string, len(s.Replicas))
	for i, r := range s.Replicas {
		out[i] = r.Server
	}
	return out
}

// Peers returns the shard's replicas as the members of its Raft group.
func (s ShardConfig) Peers() []server.ReplicaPeer {
	out := make([]server.ReplicaPeer, len(s.Replicas))
	for i, r := range s.Replicas {
		out[i] = server.ReplicaPeer{ID: r.ID, URL: r.Server, Raft: r.Raft, Voter: true}
	}
	return out
}

// Replica returns the shard and the replica whose ID is id (ErrNoShard if none has it).
func (c *Config) Replica(id string) (*ShardConfig, *ReplicaConfig, error) {
	for i := range c.Shards {
		for j := range c.Shards[i].Replicas {
			if c.Shards[i].Replicas[j].ID == id {
				return &c.Shards[i], &c.Shards[i].Replicas[j], nil
			}
		}
	}
	return nil, nil, fmt.Errorf("replica %q: %w: no shard of the config has it", id, ErrNoShard)
}

// Save writes c, checked, to the file at path.
func (c *Config) Save(path string) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := yaml.MarshalWithOptions(c, yaml.IndentSequence(true))
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// shardName is what a shard's name may be: short, and safe in messages and metrics.
var shardName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// LoadConfig reads and checks the cluster config file at path.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster config: %w", err)
	}
	return ParseConfig(b, path)
}

// ParseConfig reads and checks a cluster config; name (a path) places its errors.
func ParseConfig(src []byte, name string) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(src, &c, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, ErrConfig, yaml.FormatError(err, false, false))
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}

// Validate checks that c names at least one shard, each with a valid name, scope and
// server URL, and no name or scope twice. Its errors match ErrConfig.
func (c *Config) Validate() error {
	if len(c.Shards) == 0 {
		return fmt.Errorf("%w: no shards", ErrConfig)
	}
	var errs []error
	names, scopes := map[string]int{}, map[string]int{}
	ids, addrs := map[string]string{}, map[string]string{}
	for i, s := range c.Shards {
		where := fmt.Sprintf("shards[%d]", i)
		if err := checkName(where, "name", s.Name); err != nil {
			errs = append(errs, err)
		} else if j, dup := names[s.Name]; dup {
			errs = append(errs, fmt.Errorf("%w: %s: name %q is shards[%d]'s too", ErrConfig, where, s.Name, j))
		} else {
			names[s.Name] = i
		}
		if _, err := uri.ParseScope(s.Scope); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s (%s): scope %q: %w", ErrConfig, where, s.Name, s.Scope, err))
		} else if j, dup := scopes[s.Scope]; dup {
			errs = append(errs, fmt.Errorf("%w: %s (%s): scope %s is shards[%d]'s too", ErrConfig, where, s.Name, s.Scope, j))
		} else {
			scopes[s.Scope] = i
		}
		switch {
		case len(s.Replicas) == 0:
			errs = append(errs, checkURL(where, s.Name, s.Server))
		case s.Server != "":
			errs = append(errs, fmt.Errorf("%w: %s (%s): give a server or replicas, not both", ErrConfig, where, s.Name))
		}
		for j, r := range s.Replicas {
			rwhere := fmt.Sprintf("%s.replicas[%d]", where, j)
			if err := checkName(rwhere, "id", r.ID); err != nil {
				errs = append(errs, err)
			} else if w, dup := ids[r.ID]; dup {
				errs = append(errs, fmt.Errorf("%w: %s: id %q is %s's too", ErrConfig, rwhere, r.ID, w))
			} else {
				ids[r.ID] = rwhere
			}
			errs = append(errs, checkURL(rwhere, r.ID, r.Server))
			if host, port, err := net.SplitHostPort(r.Raft); err != nil || host == "" || !validPort(port) {
				errs = append(errs, fmt.Errorf("%w: %s (%s): raft %q: want HOST:PORT, a port from 1 to 65535", ErrConfig, rwhere, r.ID, r.Raft))
			}
			for _, addr := range []string{r.Server, r.Raft} {
				if w, dup := addrs[addr]; dup && addr != "" {
					errs = append(errs, fmt.Errorf("%w: %s (%s): address %s is %s's too", ErrConfig, rwhere, r.ID, addr, w))
				}
				addrs[addr] = rwhere
			}
		}
	}
	return errors.Join(errs...)
}

// checkName checks a shard's name or a replica's ID (what) at where in the config.
func checkName(where, what, name string) error {
	if !shardName.MatchString(name) {
		return fmt.Errorf("%w: %s: %s %q: want 1 to 63 of a-z, 0-9, '-' and '_', starting with a letter or digit", ErrConfig, where, what, name)
	}
	return nil
}

// checkURL checks the URL of a server named name at where in the config.
func checkURL(where, name, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Port() != "" && !validPort(u.Port()) {
		return fmt.Errorf("%w: %s (%s): server %q: want http://HOST:PORT, a port from 1 to 65535", ErrConfig, where, name, s)
	}
	return nil
}

// validPort reports whether port is a decimal TCP port, 1 to 65535.
func validPort(port string) bool {
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n > 0
}

// ConfigOf asks the server cl calls, a node of a cluster ('graphctl serve --cluster'),
// for its cluster's config, and checks it.
func ConfigOf(ctx context.Context, cl *client.Client) (*Config, error) {
	var c Config
	if err := cl.ClusterConfig(ctx, &c); err != nil {
		return nil, fmt.Errorf("%s: the cluster config: %w", cl.URL(), err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", cl.URL(), err)
	}
	return &c, nil
}
