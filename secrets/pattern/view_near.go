package pattern

// nearRuns decodes the runs of b that hold a byte of one of near's marks:
// the level above decoded the others. It looks only at the marks, not at
// every byte of b.
func (c *viewCtx) nearRuns(b []byte, from, depth int, chain string, near []mark, emit func(hit), keep func(int)) {
	done := from
	for _, m := range near {
		p := -1
		for i := max(m.dec, done); i < min(m.decEnd, len(b)); i++ {
			if b64val[b[i]] != 0xff {
				p = i
				break
			}
		}
		if p < 0 && m.dec >= done && m.dec > 0 && m.dec <= len(b) && b64val[b[m.dec-1]] != 0xff {
			// A line break (or a continuation that decoded to
			// nothing) that may join the lines of a wrapped run.
			p = m.dec - 1
		}
		if p < 0 {
			continue
		}
		s := runStart(b, p, from)
		e, chars := runEnd(b, s)
		done = max(done, e)
		if e <= p || chars < minRun {
			if c.cut && e == len(b) {
				keep(s)
			}
			continue
		}
		c.run(b[s:e], s, e, depth, chain, c.cut && onlyPadding(b[e:]), emit, keep)
		if c.err != nil {
			return
		}
	}
}

// runStart is the start of the run that holds b[p], across the line
// breaks of a wrapped one (runEnd's rule: a line of wrapCols or more).
func runStart(b []byte, p, from int) int {
	s := p
	for {
		for s > from && b64val[b[s-1]] != 0xff {
			s--
		}
		// An indented or plain line break before s, after a long line?
		k := s
		for k > from && (b[k-1] == ' ' || b[k-1] == '\t') {
			k--
		}
		if k <= from || b[k-1] != '\n' {
			return s
		}
		k--
		if k > from && b[k-1] == '\r' {
			k--
		}
		n := 0
		for k-n > from && n < wrapCols && b64val[b[k-n-1]] != 0xff {
			n++
		}
		if n < wrapCols {
			return s
		}
		s = k
	}
}
