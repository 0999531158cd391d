// Command hydra is a thin wrapper around Ory Hydra's own entry point. It exists
// because `go install github.com/ory/hydra/v2@v2.3.0` refuses modules with replace
// directives; this module restates them in its go.mod instead. Hydra is the local
// OpenID Connect provider for social sign-in in development and tests only.
package main

import "github.com/ory/hydra/v2/cmd"

func main() {
	cmd.Execute()
}
