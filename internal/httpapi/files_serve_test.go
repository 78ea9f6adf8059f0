package httpapi

import "testing"

func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"a.pdf":         `inline; filename="a.pdf"; filename*=UTF-8''a.pdf`,
		"合同 1.pdf":      `inline; filename="__ 1.pdf"; filename*=UTF-8''%E5%90%88%E5%90%8C%201.pdf`,
		`q"u\o;t%e.txt`: `inline; filename="q_u_o_t_e.txt"; filename*=UTF-8''q%22u%5Co%3Bt%25e.txt`,
		"a'b(c)*.png":   `inline; filename="a'b(c)*.png"; filename*=UTF-8''a%27b%28c%29%2A.png`,
	} {
		if got := contentDisposition("inline", name); got != want {
			t.Errorf("contentDisposition(%q)\n = %s\nwant %s", name, got, want)
		}
	}
}
