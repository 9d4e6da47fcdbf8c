package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/cluster"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/uri"
)

// replicaFlags are serve's flags for serving a replica of a cluster's shard.
type replicaFlags struct {
	config, id, dir, schema string
}

// serveReplica serves the replica rep names until SIGINT or SIGTERM.
func (e *env) serveReplica(cmd *cobra.Command, rep replicaFlags, insecure bool, cfg server.Config) error {
	if rep.id == "" {
		return usagef("serve --cluster needs --replica ID: the replica of the config to serve")
	}
	if cmd.Flags().Changed("addr") || e.db != "" {
		return usagef("serve --cluster serves at the replica's address in the config, with its store in --dir: give no --addr or --db")
	}
	cc, err := cluster.LoadConfig(rep.config)
	if err != nil {
		return err
	}
	sc, rc, err := cc.Replica(rep.id)
	if err != nil {
		return fmt.Errorf("%s: %w", rep.config, err)
	}
	scope, err := uri.ParseScope(sc.Scope)
	if err != nil {
		return err
	}
	var schema *entity.Schema
	if rep.schema != "" {
		sf, err := readSchemaFile(rep.schema)
		if err != nil {
			return err
		}
		if schema, err = sf.Schema(); err != nil {
			return fmt.Errorf("%s: %w", rep.schema, err)
		}
	}
	u, err := url.Parse(rc.Server)
	if err != nil {
		return err
	}
	token, err := e.serveToken(u.Host, insecure)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		return err
	}
	defer ln.Close()
	dir := rep.dir
	if dir == "" {
		dir = rep.id
	}
	cfg.Token = token
	cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	r, err := cluster.NewReplica(cluster.ReplicaOptions{
		ID: rc.ID, Shard: sc.Name, Dir: dir, Scope: scope, Schema: schema, Peers: sc.Peers(),
		RaftAddr: rc.Raft, Server: cfg, LogOutput: e.stderr, Cluster: cc,
	})
	if err != nil {
		return err
	}
	return e.serveUntilStopped(cmd, ln, r, fmt.Sprintf("serving replica %s of shard %s at %s (raft %s)", rc.ID, sc.Name, rc.Server, rc.Raft),
		r.Close, fmt.Sprintf("replica %s is closed", rc.ID))
}

func newClusterCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Make, grow and watch a cluster of shards, each a group of replicas",
		Long: `A cluster splits one world over shards, each a store with its own scope (the
canister ID of its entity URIs), each kept by a group of replicas through Raft. Its config
is a YAML file listing the shards and, for each, its replicas: an ID, a server URL and a
Raft address (see the cluster package's Config).

  graphctl cluster init --config cluster.yaml --shards 3 --replicas 3
  graphctl serve --cluster cluster.yaml --replica s0-1 --schema schema.json   (one per replica)
  graphctl cluster status --config cluster.yaml
  graphctl cluster add-shard --config cluster.yaml --name s3
  graphctl cluster repair --config cluster.yaml

Every replica's server answers every command for its shard (graphctl --server URL):
writes go to the shard's leader, and reads too unless a follower is asked for a stale one.
Pointed at a node, graphctl covers the whole cluster: queries, get, set, link and delete
go where the data is, and 'graphctl verify' checks every shard's store and then pairs the
two halves of every edge across shards (each shard holds its end's half); an intent a
failure left between the halves, or a half without the other, fails it with exit code 3,
listed by shard, and 'graphctl cluster repair' mends them.`,
	}
	cmd.AddCommand(newClusterInitCmd(e), newClusterStatusCmd(e), newClusterAddShardCmd(e), newClusterRepairCmd(e))
	return cmd
}

// layout says where init and add-shard put new replicas: each replica takes two ports
// from port on, its server's and its Raft transport's.
type layout struct {
	host     string
	port     int
	replicas int
}

func (l *layout) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&l.host, "host", "127.0.0.1", "the host of the new replicas' addresses")
	cmd.Flags().IntVar(&l.port, "port", 7070, "the first port of the new replicas: each takes two, its server's and its Raft's")
	cmd.Flags().IntVar(&l.replicas, "replicas", 3, "replicas per shard (3 survives the loss of one; 1: no replication)")
}

// shard returns a new shard named name with a fresh scope and l.replicas replicas, the
// ports from l.port on, which it moves past them.
func (l *layout) shard(name string) cluster.ShardConfig {
	sc := cluster.ShardConfig{Name: name, Scope: newScope().String()}
	for j := 1; j <= l.replicas; j++ {
		sc.Replicas = append(sc.Replicas, cluster.ReplicaConfig{
			ID:     fmt.Sprintf("%s-%d", name, j),
			Server: "http://" + net.JoinHostPort(l.host, strconv.Itoa(l.port)),
			Raft:   net.JoinHostPort(l.host, strconv.Itoa(l.port+1)),
		})
		l.port += 2
	}
	return sc
}

// check checks the layout of shards new shards: every port they take, two per replica
// from l.port on, must be at most 65535.
func (l *layout) check(shards int) error {
	if l.replicas < 1 || l.replicas > 9 {
		return usagef("--replicas %d: want 1 to 9 (an odd number: 3 or 5)", l.replicas)
	}
	if l.port < 1 || l.port > 65535 {
		return usagef("--port %d: want 1 to 65535", l.port)
	}
	if last := l.port + 2*shards*l.replicas - 1; last > 65535 {
		return usagef("--port %d: the new replicas' ports (%s, two each) run to %d, past 65535",
			l.port, plural(uint64(shards*l.replicas), "replica"), last)
	}
	return nil
}

// printServe prints the command that serves each replica of sc.
func (e *env) printServe(path string, sc cluster.ShardConfig) {
	for _, r := range sc.Replicas {
		fmt.Fprintf(e.stdout, "  graphctl serve --cluster %s --replica %s --dir %s\n", path, r.ID, r.ID)
	}
}

func newClusterInitCmd(e *env) *cobra.Command {
	var path string
	var shards int
	var l layout
	cmd := &cobra.Command{
		Use:   "init --config FILE [--shards 3] [--replicas 3] [--host 127.0.0.1] [--port 7070]",
		Short: "Write the config of a new cluster",
		Long: `Write a new cluster config: --shards shards named s0, s1, ..., each with a fresh scope
(a random UUID) and --replicas replicas named s0-1, s0-2, ..., whose servers and Raft
transports take consecutive ports on --host from --port on. It refuses to overwrite a
file. Then start each replica with the serve command it prints.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" {
				return usagef("give --config FILE: the config to write")
			}
			if shards < 1 {
				return usagef("--shards %d: want at least 1", shards)
			}
			if err := l.check(shards); err != nil {
				return err
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s exists: a new cluster's config goes in a new file (grow a cluster with 'graphctl cluster add-shard')", path)
			}
			var cfg cluster.Config
			for i := range shards {
				cfg.Shards = append(cfg.Shards, l.shard(fmt.Sprintf("s%d", i)))
			}
			if err := cfg.Save(path); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s: %d shards of %d replicas; start each replica:\n", path, shards, l.replicas)
			for _, sc := range cfg.Shards {
				e.printServe(path, sc)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "the cluster config file to write")
	cmd.Flags().IntVar(&shards, "shards", 3, "how many shards")
	l.flags(cmd)
	return cmd
}

func newClusterAddShardCmd(e *env) *cobra.Command {
	var path, name string
	var l layout
	cmd := &cobra.Command{
		Use:   "add-shard --config FILE --name NAME [--replicas 3] [--host 127.0.0.1] [--port P]",
		Short: "Add a shard to a cluster's config",
		Long: `Add a shard to the cluster config: a fresh scope and --replicas replicas, their ports
from --port on (default: past the highest port of the config). Start its replicas with the
serve commands it prints, and give the new config to the coordinators (cluster.New): a
running node reads its config when it starts. Placement by hash then sends about 1/N of
new entities to the new shard; entities already placed stay where they are.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" || name == "" {
				return usagef("give --config FILE and --name NAME")
			}
			cfg, err := cluster.LoadConfig(path)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("port") {
				l.port = highestPort(cfg) + 1
			}
			if err := l.check(1); err != nil {
				return err
			}
			sc := l.shard(name)
			cfg.Shards = append(cfg.Shards, sc)
			if err := cfg.Save(path); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			fmt.Fprintf(e.stdout, "added shard %s (scope %s) to %s; start its replicas:\n", name, sc.Scope, path)
			e.printServe(path, sc)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "the cluster config file")
	cmd.Flags().StringVar(&name, "name", "", "the new shard's name")
	l.flags(cmd)
	return cmd
}

// highestPort returns the highest port the addresses of cfg use (7069 if none has one).
func highestPort(cfg *cluster.Config) int {
	top := 7069
	see := func(hostport string) {
		if _, p, err := net.SplitHostPort(hostport); err == nil {
			if n, err := strconv.Atoi(p); err == nil && n > top {
				top = n
			}
		}
	}
	for _, sc := range cfg.Shards {
		for _, s := range sc.URLs() {
			if u, err := url.Parse(s); err == nil {
				see(u.Host)
			}
		}
		for _, r := range sc.Replicas {
			see(r.Raft)
		}
	}
	return top
}

func newClusterStatusCmd(e *env) *cobra.Command {
	var path, out string
	cmd := &cobra.Command{
		Use:   "status [--config FILE | --server URL]",
		Short: "Show every shard's replicas: leader, term, applied index, lag",
		Long: `Ask every server of the cluster for its state and print one row per replica: its
shard, ID, state (Leader, Follower, Candidate), Raft term, the last log entry its store
has applied, how many entries of the leader's log it has yet to apply, and its error if
it did not answer. The cluster is the one of --config FILE, or the one the node at
--server URL belongs to.

The exit code is 1 if a shard cannot serve (none of its servers answers, or none of the
replicas that answer is the leader), each such shard named on standard error; 0 if every
shard can.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			ctx := cmdContext(cmd)
			c, err := e.cluster(ctx, path)
			if err != nil {
				return err
			}
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			if err := e.printStatus(f, st); err != nil {
				return err
			}
			var down []error
			for _, s := range st {
				if err := s.Available(); err != nil {
					down = append(down, err)
				}
			}
			return errors.Join(down...)
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "the cluster config file (default: ask the node of --server)")
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table, json or csv")
	return cmd
}

func newClusterRepairCmd(e *env) *cobra.Command {
	var path, out string
	cmd := &cobra.Command{
		Use:   "repair [--config FILE | --server URL]",
		Short: "Make every edge across shards whole again, and say what it did",
		Long: `An edge between entities of two shards is two halves, one in each shard, written one
after the other: the subject's half with an intent record, then the object's half, then
the intent is cleared. A failure between them (a shard down, a coordinator stopped)
leaves the intent, which 'graphctl verify' on a cluster node reports (exit code 3).

Repair first finishes every intent as the link, unlink or delete would have (writes or
removes the other half, then clears the intent; a link the other shard refuses for good,
its object gone, say, is taken back), then mends halves without the other and no intent:
a subject's half gets its object's half again (or goes, if the object's shard refuses it),
an object's half without the subject's is removed. It prints how many of each it did and
what verify then finds. Every step can be done twice: a repair that stops (a shard down)
can run again and goes on. Run it on a cluster without writes in flight: a link being
written may look half done. The cluster is the one of --config FILE, or the one the node
at --server URL belongs to; its shards' scopes are checked first.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFormat(out)
			if err != nil {
				return err
			}
			if f == formatCSV {
				return usagef("cluster repair prints a table or json, not csv")
			}
			ctx := cmdContext(cmd)
			c, err := e.cluster(ctx, path)
			if err != nil {
				return err
			}
			if err := c.Check(ctx); err != nil {
				return err
			}
			rep, rerr := c.Repair(ctx)
			if f == formatJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "repair: %s finished, %s taken back, %s restored, %s removed\n",
					count(uint64(rep.Finished), "intent", "intents"), count(uint64(rep.TakenBack), "link", "links"),
					count(uint64(rep.Restored), "half", "halves"), count(uint64(rep.Removed), "half", "halves"))
			}
			if rerr != nil {
				return fmt.Errorf("repair stopped (run it again once the shards answer): %w", rerr)
			}
			v, err := c.Verify(ctx)
			if err != nil {
				return err
			}
			if err := v.Err(); err != nil {
				return fmt.Errorf("%w: after repair: %w:\n  %s", errDamaged, err, strings.Join(firstLines(v.Problems(), 50), "\n  "))
			}
			if f != formatJSON {
				fmt.Fprintf(e.stdout, "edges across shards: ok (%s, each with both halves)\n", count(uint64(v.Edges), "edge", "edges"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "the cluster config file (default: ask the node of --server)")
	cmd.Flags().StringVarP(&out, "output", "o", "table", "output format: table or json")
	return cmd
}

// cluster returns the coordinator of the config at path, or of the cluster the node of
// --server belongs to.
func (e *env) cluster(ctx context.Context, path string) (*cluster.Cluster, error) {
	token, err := e.clientToken()
	if err != nil {
		return nil, err
	}
	var cfg *cluster.Config
	switch {
	case path != "":
		cfg, err = cluster.LoadConfig(path)
	case e.server != "":
		c, cerr := e.client()
		if cerr != nil {
			return nil, cerr
		}
		cfg, err = cluster.ConfigOf(ctx, c)
	default:
		return nil, usagef("give --config FILE, or --server URL of a cluster node")
	}
	if err != nil {
		return nil, err
	}
	return cluster.New(cfg, &cluster.Options{Token: token})
}

var statusColumns = []string{"shard", "replica", "state", "term", "applied", "behind", "leader", "url", "error"}

func (e *env) printStatus(f format, st []cluster.ShardStatus) error {
	if f == formatJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	var rows [][]any
	for _, s := range st {
		for _, r := range s.Replicas {
			row := []any{s.Name, r.ID, "", "", "", "", "", r.URL, r.Err}
			if r.Status != nil {
				row[2], row[3], row[4], row[5], row[6] = r.Status.State, r.Status.Term, r.Status.AppliedIndex, r.Behind, r.Status.LeaderID
			} else if r.Err == "" {
				row[2] = "serving"
			} else {
				row[2] = "down"
			}
			rows = append(rows, row)
		}
	}
	if f == formatCSV {
		return writeCSV(e.stdout, statusColumns, rows)
	}
	return writeTable(e.stdout, statusColumns, rows)
}

// clusterStats prints, after the stats of a store served by a cluster node, the state of
// every shard's replicas; a server that is no cluster node adds nothing.
func (e *env) clusterStats(ctx context.Context) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	cfg, err := cluster.ConfigOf(ctx, c)
	var re *server.RemoteError
	if errors.As(err, &re) && re.Status == http.StatusNotFound {
		return nil // no cluster node
	}
	if err != nil {
		return err
	}
	token, err := e.clientToken()
	if err != nil {
		return err
	}
	cl, err := cluster.New(cfg, &cluster.Options{Token: token})
	if err != nil {
		return err
	}
	st, err := cl.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\ncluster: %d shards\n", len(st))
	return e.printStatus(formatTable, st)
}

// clusterBackend is the backend of --server URL when URL is a node of a cluster ('graphctl
// serve --cluster'): the whole cluster, through a coordinator in this process made from
// the node's config. Queries run on every shard and are merged; an entity is read and
// written on the shard that holds it, a new one placed by its IRI's hash; export and
// verify go over every shard; stats and schema are the node's own store's.
type clusterBackend struct {
	c    *cluster.Cluster
	node *client.Client
}

// nodeBackend returns the backend of the cluster node that c calls, or nil if it is no
// cluster node, or does not say (unreachable, or refusing the token: the command's own
// request then fails the same way).
func (e *env) nodeBackend(c *client.Client) (backend, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := cluster.ConfigOf(ctx, c)
	var re *server.RemoteError
	if errors.As(err, &re) || errors.Is(err, server.ErrUnauthorized) || errors.Is(err, context.DeadlineExceeded) {
		return nil, nil
	}
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			return nil, nil
		}
		return nil, err
	}
	token, err := e.clientToken()
	if err != nil {
		return nil, err
	}
	cl, err := cluster.New(cfg, &cluster.Options{Token: token})
	if err != nil {
		return nil, err
	}
	return clusterBackend{c: cl, node: c}, nil
}

func (b clusterBackend) Query(ctx context.Context, req server.QueryRequest) (*server.QueryResult, error) {
	res, err := b.c.Query(ctx, req)
	if err != nil {
		return nil, err
	}
	return &res.QueryResult, nil
}

func (b clusterBackend) Get(ctx context.Context, ref string) (*interchange.EntityDoc, error) {
	return b.c.Get(ctx, ref)
}

func (b clusterBackend) Set(ctx context.Context, req server.SetRequest) (*server.SetResult, error) {
	return b.c.Set(ctx, req)
}

func (b clusterBackend) Link(ctx context.Context, e server.Edge) error   { return b.c.Link(ctx, e) }
func (b clusterBackend) Unlink(ctx context.Context, e server.Edge) error { return b.c.Unlink(ctx, e) }

func (b clusterBackend) Delete(ctx context.Context, ref string) (*server.DeleteResult, error) {
	return b.c.Delete(ctx, ref)
}

// Export writes the whole cluster's export, joined so that it imports into one store as
// the same world (cluster.Cluster.Export).
func (b clusterBackend) Export(ctx context.Context, req server.ExportRequest, w io.Writer) (int64, []string, error) {
	return b.c.Export(ctx, req, w)
}

func (b clusterBackend) Stats(ctx context.Context) (*server.StoreStats, error) {
	return b.node.Stats(ctx)
}

// Verify checks every shard's store (its leader's, for a replicated shard) and adds up
// what they checked; the first damaged one fails it, naming its shard. Then it pairs the
// halves of the edges across shards (cluster.Cluster.Verify): an intent left or a half
// without the other fails it too, as a damaged store does, listing them.
func (b clusterBackend) Verify(ctx context.Context) (*server.VerifyResult, error) {
	shards := b.c.Shards()
	sum := &server.VerifyResult{DataModel: true}
	for _, s := range shards {
		v, err := s.Client.Verify(ctx)
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", s.Name, err)
		}
		sum.PagesChecked += v.PagesChecked
		sum.Variables = max(sum.Variables, v.Variables)
		sum.DataModel = sum.DataModel && v.DataModel
		sum.Entities += v.Entities
		sum.Entries += v.Entries
		sum.ModelPages += v.ModelPages
	}
	rep, err := b.c.Verify(ctx)
	if err != nil {
		return nil, err
	}
	if err := rep.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w ('graphctl cluster repair' mends them):\n  %s", errDamaged, err, strings.Join(firstLines(rep.Problems(), 50), "\n  "))
	}
	sum.Name = fmt.Sprintf("the cluster's %d shards and %s across them", len(shards), count(uint64(rep.Edges), "edge", "edges"))
	return sum, nil
}

// firstLines returns the first n of lines, and a line saying how many more there are.
func firstLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n:n], fmt.Sprintf("... and %d more", len(lines)-n))
}

func (b clusterBackend) Schema(ctx context.Context) (*server.Schema, error) {
	return b.node.Schema(ctx)
}
