package auth_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/auth"
)

func TestPasswordHash(t *testing.T) {
	h := auth.HashPassword("correct horse", auth.DefaultPasswordParams)
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("not a PHC string with the OWASP cost: %s", h)
	}
	if h == auth.HashPassword("correct horse", auth.DefaultPasswordParams) {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !auth.VerifyPassword(h, "correct horse") || auth.VerifyPassword(h, "correct horsf") || auth.VerifyPassword(h, "") {
		t.Error("verification does not tell the password apart")
	}
	cheap := auth.HashPassword("correct horse", auth.PasswordParams{Memory: 64, Time: 1, Threads: 1})
	if !strings.Contains(cheap, "m=64,t=1,p=1") || !auth.VerifyPassword(cheap, "correct horse") {
		t.Errorf("the cost is not read back from the hash: %s", cheap)
	}
	for _, bad := range []string{"", "sha256$x$y", strings.Replace(h, "argon2id", "argon2i", 1), strings.Replace(h, "v=19", "v=16", 1),
		strings.Replace(h, "m=19456", "m=0", 1), strings.Replace(h, "t=2", "x=2", 1), h[:len(h)-44] + "$!!"} {
		if auth.VerifyPassword(bad, "correct horse") {
			t.Errorf("a malformed hash matched: %q", bad)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"12345678": true, "密码密码密码密码": true, strings.Repeat("x", 256): true,
		"1234567": false, strings.Repeat("x", 257): false, "12345678\x00": false, "12345678\xff": false,
	} {
		err := auth.ValidatePassword("newPassword", pw)
		if (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), "newPassword")) {
			t.Errorf("ValidatePassword(%q) = %v", pw, err)
		}
	}
}

// BenchmarkHashPassword is the argon2id cost of one sign-in.
func BenchmarkHashPassword(b *testing.B) {
	h := auth.HashPassword("correct horse", auth.DefaultPasswordParams)
	for range b.N {
		auth.VerifyPassword(h, "correct horse")
	}
}
