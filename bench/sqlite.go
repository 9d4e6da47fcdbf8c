package bench

import (
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, "sqlite"
)

// sqliteSchema is the world in SQLite: one row per player with indexes on health and guild
// (member_of is a foreign key column, as many-to-one relations are in SQL), and an edge
// table for friend.
const sqliteSchema = `
CREATE TABLE guild (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE player (
	id     INTEGER PRIMARY KEY,
	x      REAL NOT NULL,
	y      REAL NOT NULL,
	vx     REAL,
	vy     REAL,
	health INTEGER NOT NULL,
	name   TEXT NOT NULL,
	guild  INTEGER NOT NULL REFERENCES guild (id)
);
CREATE TABLE friend (src INTEGER NOT NULL, dst INTEGER NOT NULL, PRIMARY KEY (src, dst)) WITHOUT ROWID;
`

// sqliteIndexes are created after the bulk load, which is faster than keeping them up to
// date row by row.
const sqliteIndexes = `
CREATE INDEX player_health ON player (health);
CREATE INDEX player_guild ON player (guild);
ANALYZE;
`

// SQLitePragmas are run on every connection: the write-ahead log without fsync (as our
// store runs with NoSync and bbolt with NoSync), a 256 MiB page cache and reads through
// mmap, as our store and bbolt read theirs.
var SQLitePragmas = []string{
	"PRAGMA journal_mode = WAL",
	"PRAGMA synchronous = OFF",
	"PRAGMA cache_size = -262144",
	"PRAGMA mmap_size = 2147418112",
	"PRAGMA temp_store = MEMORY",
}

// SQLite is the world in SQLite (modernc.org/sqlite, SQLite compiled to Go), through
// database/sql with prepared statements. Each operation is one statement in autocommit
// mode, so one transaction.
type SQLite struct {
	f    *Fixture
	path string
	db   *sql.DB

	read, write, scan, members, fof, query *sql.Stmt
}

// OpenSQLite creates a database in dir and loads f into it.
func OpenSQLite(f *Fixture, dir string) (*SQLite, error) {
	s := &SQLite{f: f, path: filePath(dir, "world.sqlite")}
	if err := s.open(); err != nil {
		return nil, err
	}
	if err := s.load(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Name implements System.
func (s *SQLite) Name() string { return "sqlite" }

func (s *SQLite) open() error {
	db, err := sql.Open("sqlite", s.path)
	if err != nil {
		return err
	}
	// One connection, so that the pragmas and the prepared statements are on it.
	db.SetMaxOpenConns(1)
	for _, p := range SQLitePragmas {
		if _, err := db.Exec(p); err != nil {
			db.Close()
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	s.db = db
	return nil
}

func (s *SQLite) prepare() error {
	for _, st := range []struct {
		p   **sql.Stmt
		sql string
	}{
		{&s.read, "SELECT health FROM player WHERE id = ?"},
		{&s.write, "UPDATE player SET health = ? WHERE id = ?"},
		{&s.scan, "SELECT health FROM player"},
		{&s.members, "SELECT id FROM player WHERE guild = ?"},
		{&s.fof, "SELECT DISTINCT f2.dst FROM friend f1 JOIN friend f2 ON f2.src = f1.dst WHERE f1.src = ?"},
		{&s.query, "SELECT id, name, health FROM player WHERE guild = ? AND health BETWEEN ? AND ? ORDER BY id"},
	} {
		var err error
		if *st.p, err = s.db.Prepare(st.sql); err != nil {
			return fmt.Errorf("prepare %q: %w", st.sql, err)
		}
	}
	return nil
}

// Close implements System.
func (s *SQLite) Close() error {
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// Shutdown implements Upgrader: the old code closes the database, which checkpoints the log.
func (s *SQLite) Shutdown() error { return s.Close() }

// Restart implements Upgrader: the new code opens the database and prepares its statements.
func (s *SQLite) Restart() error {
	if err := s.open(); err != nil {
		return err
	}
	return s.prepare()
}

// load inserts the world in one transaction, many rows per INSERT, then builds the indexes.
func (s *SQLite) load() error {
	f := s.f
	if _, err := s.db.Exec(sqliteSchema); err != nil {
		return err
	}
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert := func(table string, cols, n int, row func(i int, args []any) []any) error {
		const batch = 256
		var stmt *sql.Stmt
		args := make([]any, 0, batch*cols)
		for lo := 0; lo < n; lo += batch {
			m := min(batch, n-lo)
			if stmt == nil || m < batch {
				ph := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
				q := "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", m), ",")
				if stmt != nil {
					stmt.Close()
				}
				if stmt, err = tx.Prepare(q); err != nil {
					return err
				}
			}
			args = args[:0]
			for i := lo; i < lo+m; i++ {
				args = row(i, args)
			}
			if _, err := stmt.Exec(args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
		if stmt != nil {
			stmt.Close()
		}
		return nil
	}
	err = insert("guild", 2, f.G, func(g int, a []any) []any {
		return append(a, f.GuildID(g), GuildName(g))
	})
	if err != nil {
		return err
	}
	err = insert("player", 8, f.N, func(i int, a []any) []any {
		var vx, vy any
		if f.HasVel[i] {
			vx, vy = float64(f.Vel[i].X), float64(f.Vel[i].Y)
		}
		return append(a, f.PlayerID(i), float64(f.Pos[i].X), float64(f.Pos[i].Y), vx, vy,
			f.Health[i], PlayerName(i), f.GuildID(int(f.Guild[i])))
	})
	if err != nil {
		return err
	}
	err = insert("friend", 2, len(f.Friends), func(e int, a []any) []any {
		return append(a, f.PlayerID(friendSubject(f, e)), f.PlayerID(int(f.Friends[e])))
	})
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = s.db.Exec(sqliteIndexes)
	return err
}

// ReadHealth implements PointReadWriter.
func (s *SQLite) ReadHealth(id uint64) (h int32, err error) {
	err = s.read.QueryRow(id).Scan(&h)
	return h, err
}

// WriteHealth implements PointReadWriter; SQLite keeps player_health in step.
func (s *SQLite) WriteHealth(id uint64, h int32) error {
	_, err := s.write.Exec(h, id)
	return err
}

// SumHealth implements Scanner: every player's health brought into Go. (SQLite may read
// them from player_health, its covering index, rather than the table.)
func (s *SQLite) SumHealth() (sum int64, err error) {
	rows, err := s.scan.Query()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			return 0, err
		}
		sum += h
	}
	return sum, rows.Err()
}

// Tick implements Ticker as one UPDATE statement.
func (s *SQLite) Tick() (int, error) {
	res, err := s.db.Exec("UPDATE player SET x = x + vx, y = y + vy WHERE vx IS NOT NULL")
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// count runs a prepared query and counts its rows.
func count(st *sql.Stmt, args ...any) (n int, err error) {
	rows, err := st.Query(args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

// Members implements Traverser from the player_guild index.
func (s *SQLite) Members(guild uint64) (int, error) { return count(s.members, guild) }

// FriendsOfFriends implements Traverser with a self-join of the edge table.
func (s *SQLite) FriendsOfFriends(player uint64) (int, error) { return count(s.fof, player) }

// Query implements Querier with one SELECT; SQLite's planner picks the index.
func (s *SQLite) Query(guild uint64, lo, hi int32) ([]Row, error) {
	rows, err := s.query.Query(guild, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.ID, &r.Name, &r.Health); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Position returns a player's position, for the tests that compare systems.
func (s *SQLite) Position(id uint64) (p Vec2, err error) {
	var x, y float64
	err = s.db.QueryRow("SELECT x, y FROM player WHERE id = ?", id).Scan(&x, &y)
	return Vec2{float32(x), float32(y)}, err
}
