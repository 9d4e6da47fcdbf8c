package bench_test

import (
	"fmt"
	"os"

	"github.com/stablegraph/stablegraph/bench"
)

// Every system is loaded from the same fixture and answers the same workloads.
func Example() {
	f := bench.NewFixture(1000)
	for _, name := range []string{"ours", "sqlite", "gobheap"} {
		dir, err := os.MkdirTemp("", "bench-example-")
		if err != nil {
			panic(err)
		}
		s, err := bench.Open(name, f, dir)
		if err != nil {
			panic(err)
		}
		rows, err := s.(bench.Querier).Query(f.GuildID(0), bench.QueryHealthLo, bench.QueryHealthHi)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d members, %d with health in [%d, %d]\n",
			name, len(f.MembersOf(0)), len(rows), bench.QueryHealthLo, bench.QueryHealthHi)
		s.Close()
		os.RemoveAll(dir)
	}
	// Output:
	// ours: 105 members, 20 with health in [20, 39]
	// sqlite: 105 members, 20 with health in [20, 39]
	// gobheap: 105 members, 20 with health in [20, 39]
}
