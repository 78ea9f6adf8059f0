package filter

// OneOf matches the records whose Field holds one of Values, compared
// exactly: an in over a list that code builds, not a caller (such as the
// objects a user took part in approving, see package record). Compile
// binds the whole list as one argument (sqldb.Dialect.AnyOf), so it has
// none of the limits of a written list (MaxListItems, MaxArgs) however
// long it is. An empty list matches nothing. Only text fields that hold
// one value (ObjectId, text, select, user, department …) take it.
//
// It has no syntax of its own: String renders it as the in it means.
type OneOf struct {
	Field  string
	Values []string
}

func (*OneOf) node() {}

func (o *OneOf) String() string {
	items := make([]any, len(o.Values))
	for i, v := range o.Values {
		items[i] = v
	}
	return (&Cond{Field: o.Field, Op: In, Value: items}).String()
}

func (c *compiler) oneOf(x *OneOf) (frag, error) {
	fd := c.s.Field(x.Field)
	if fd == nil {
		name := clip(x.Field)
		return frag{}, errf(name, "字段不存在: %s (unknown field %s)", name, name)
	}
	if !fd.Textual() || isList(fd) {
		return frag{}, unsupported(fd, In)
	}
	if len(x.Values) == 0 {
		return noRows, nil
	}
	col := c.d.Quote(fd.Column())
	return frag{c.d.AnyOf(col), []any{c.d.AnyOfArg(x.Values)}}, nil
}
