package model

// graph is the adjacency of a definition, by node id, in flow order.
type graph struct {
	succ, pred map[string][]string
}

func (d *Definition) graph() graph {
	g := graph{succ: map[string][]string{}, pred: map[string][]string{}}
	for _, f := range d.Flows {
		if f == nil {
			continue
		}
		g.succ[f.From] = append(g.succ[f.From], f.To)
		g.pred[f.To] = append(g.pred[f.To], f.From)
	}
	return g
}

// reach returns the nodes reachable from roots along next.
func reach(roots []string, next map[string][]string) map[string]bool {
	seen := map[string]bool{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, next[id]...)
	}
	return seen
}

// postorder lists the nodes reachable from start, each after all its
// successors that were not already visited (a depth-first postorder).
func (g graph) postorder(start string) []string {
	var order []string
	seen := map[string]bool{start: true}
	type frame struct {
		id string
		i  int
	}
	stack := []frame{{id: start}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.i < len(g.succ[top.id]) {
			next := g.succ[top.id][top.i]
			top.i++
			if !seen[next] {
				seen[next] = true
				stack = append(stack, frame{id: next})
			}
			continue
		}
		order = append(order, top.id)
		stack = stack[:len(stack)-1]
	}
	return order
}

// idoms returns the immediate dominator of every node reachable from start
// (start maps to itself): the last node every path from start to it
// passes. For a join it is the split whose branches it closes. This is the
// iterative algorithm of Cooper, Harvey and Kennedy, "A Simple, Fast
// Dominance Algorithm" (2001); process graphs are small.
func (g graph) idoms(start string) map[string]string {
	post := g.postorder(start)
	num := make(map[string]int, len(post))
	for i, id := range post {
		num[id] = i
	}
	idom := map[string]string{start: start}
	for changed := true; changed; {
		changed = false
		for i := len(post) - 2; i >= 0; i-- { // reverse postorder, start excluded
			b := post[i]
			nd := ""
			for _, p := range g.pred[b] {
				if _, ok := idom[p]; !ok {
					continue
				}
				if nd == "" {
					nd = p
				} else {
					nd = intersect(idom, num, p, nd)
				}
			}
			if idom[b] != nd {
				idom[b] = nd
				changed = true
			}
		}
	}
	return idom
}

func intersect(idom map[string]string, num map[string]int, a, b string) string {
	for a != b {
		for num[a] < num[b] {
			a = idom[a]
		}
		for num[b] < num[a] {
			b = idom[b]
		}
	}
	return a
}

// MatchingSplit returns the split gateway a parallel or inclusive join
// closes (the join waits for the branches that split started), or nil when
// id is not such a join. Validate guarantees a match for every join of a
// valid definition.
func (d *Definition) MatchingSplit(id string) *Node {
	j, start := d.Node(id), d.Start()
	if j == nil || start == nil || !d.IsJoin(j) || j.Type == Exclusive {
		return nil
	}
	s := d.Node(d.graph().idoms(start.ID)[id])
	if s == nil || s.Type != j.Type || !d.IsSplit(s) {
		return nil
	}
	return s
}
