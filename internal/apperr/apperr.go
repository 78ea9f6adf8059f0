// Package apperr is the one application error type every layer returns and
// every adapter maps to its wire format (HTTP status and REST body, or the
// H3Yun envelope). Unknown errors are internal errors: they are logged and
// never shown to clients.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the small, stable set of error kinds clients can branch on.
type Code string

const (
	Malformed       Code = "malformed_request" // not parseable (bad JSON, bad filter syntax)
	Invalid         Code = "validation_failed" // well-formed but wrong; names the field
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"         // duplicate id, concurrent change
	VersionConflict Code = "version_conflict" // optimistic-lock mismatch
	Unauthorized    Code = "unauthorized"
	Forbidden       Code = "forbidden"
	TooLarge        Code = "payload_too_large"
	Gone            Code = "gone" // existed once, no longer (an expired link)
	RateLimited     Code = "rate_limited"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

// Error is an application error with a client-safe message.
type Error struct {
	Code    Code
	Message string // client-facing; Chinese first, as H3Yun clients expect
	Field   string // the offending field code, when there is one
	Err     error  // cause, for logs and errors.Is; never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given code with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error naming field.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of code whose cause is err.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// CodeOf returns the code of err: its *Error's code, or Internal.
func CodeOf(err error) Code {
	if e := As(err); e != nil {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
