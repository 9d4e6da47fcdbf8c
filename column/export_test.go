package column

// SetPackedJoin turns the merge of packed runs in joins on or off, and returns a function
// that restores it.
func SetPackedJoin(on bool) (restore func()) {
	old := packedJoin
	packedJoin = on
	return func() { packedJoin = old }
}
