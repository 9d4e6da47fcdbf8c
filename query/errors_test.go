package query

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errTest = errors.New("test sentinel")

func TestError(t *testing.T) {
	e := &Error{Pos: Pos{Offset: 22, Line: 1, Col: 23}, Msg: `expected X, found "y"`, Err: ErrSyntax}
	assert.Equal(t, `1:23: expected X, found "y"`, e.Error())
	assert.ErrorIs(t, e, ErrSyntax)

	noPos := &Error{Msg: "no position", Err: errTest}
	assert.Equal(t, "no position", noPos.Error())
	assert.ErrorIs(t, noPos, errTest)
	assert.NotErrorIs(t, noPos, ErrSyntax)

	assert.NoError(t, (&Error{Msg: "bare"}).Unwrap())
}

func TestErrorList(t *testing.T) {
	var l ErrorList
	assert.NoError(t, l.Err())
	assert.Equal(t, "no errors", l.Error())

	l = append(l,
		&Error{Pos: Pos{Offset: 30, Line: 2, Col: 5}, Msg: "c", Err: ErrSyntax},
		&Error{Pos: Pos{Offset: 3, Line: 1, Col: 4}, Msg: "b", Err: errTest},
		&Error{Pos: Pos{Offset: 3, Line: 1, Col: 4}, Msg: "a", Err: ErrSyntax},
	)
	l.Sort()
	assert.Equal(t, []string{"1:4: b", "1:4: a", "2:5: c"}, []string{l[0].Error(), l[1].Error(), l[2].Error()},
		"sorted by position, stable at equal positions")
	assert.Equal(t, "1:4: b (and 2 more errors)", l.Error())

	err := fmt.Errorf("query: %w", l.Err())
	assert.ErrorIs(t, err, ErrSyntax)
	assert.ErrorIs(t, err, errTest)
	var first *Error
	require.ErrorAs(t, err, &first)
	assert.Same(t, l[0], first)
	var list ErrorList
	require.ErrorAs(t, err, &list)
	assert.Len(t, list, 3)

	assert.Equal(t, "2:5: c", ErrorList{l[2]}.Error())
}
