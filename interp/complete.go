package interp

import "github.com/gohpc/gohpc/kernel"

// Complete implements kernel.Completer.
func (s *Session) Complete(code string, cursor int) kernel.CompleteResult {
	return kernel.CompleteResult{CursorStart: cursor, CursorEnd: cursor}
}

// Inspect implements kernel.Inspector.
func (s *Session) Inspect(code string, cursor int, detailLevel int) kernel.InspectResult {
	return kernel.InspectResult{}
}

// IsComplete implements kernel.CompletenessChecker.
func (s *Session) IsComplete(code string) kernel.IsCompleteResult {
	return kernel.IsCompleteResult{Status: "unknown"}
}
