package cluster

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"

	"github.com/goccy/go-yaml"

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
// Every field is required, names and scopes are unique, and unknown fields are errors.
type Config struct {
	Shards []ShardConfig `yaml:"shards" json:"shards"`
}

// ShardConfig is one shard of a Config.
type ShardConfig struct {
	Name   string `yaml:"name" json:"name"`
	Scope  string `yaml:"scope" json:"scope"`   // uri.Scope text: a canister principal or a UUID
	Server string `yaml:"server" json:"server"` // the base URL of its server, http://HOST:PORT
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
	for i, s := range c.Shards {
		where := fmt.Sprintf("shards[%d]", i)
		if !shardName.MatchString(s.Name) {
			errs = append(errs, fmt.Errorf("%w: %s: name %q: want 1 to 63 of a-z, 0-9, '-' and '_', starting with a letter or digit", ErrConfig, where, s.Name))
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
		if u, err := url.Parse(s.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%w: %s (%s): server %q: want http://HOST:PORT", ErrConfig, where, s.Name, s.Server))
		}
	}
	return errors.Join(errs...)
}
