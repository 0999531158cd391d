// Command keto is a thin wrapper around Ory Keto's own entry point, built from the
// Go module because no release download is reachable from CI.
package main

import "github.com/ory/keto/cmd"

func main() {
	cmd.Execute()
}
