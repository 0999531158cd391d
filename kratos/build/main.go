// Command kratos is a thin wrapper around Ory Kratos' own entry point. It exists
// because `go install github.com/ory/kratos@v1.3.1` refuses modules with replace
// directives; this module restates them in its go.mod instead.
package main

import (
	"os"

	"github.com/ory/kratos/cmd"
)

func main() {
	os.Exit(cmd.Execute())
}
