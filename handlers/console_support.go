package handlers

// ProblemFor maps err to the problem document the API would answer, so that
// the web console speaks the same error vocabulary (status, title, field
// errors) as the API without a second mapping.
func ProblemFor(err error) Problem { return toProblem(err) }
