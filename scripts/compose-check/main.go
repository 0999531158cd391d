// Command compose-check loads docker-compose.yml with compose-go, the parser
// Docker Compose v2 uses (schema validation and interpolation included), since no
// Docker engine runs where the tests do. It then checks this project's invariants:
// only the proxy in front of the backend replicas publishes ports, except Mailpit's
// web UI (local mail) on the host's loopback only; Kratos' APIs (public and admin)
// and Keto's write API are never published (browsers reach Kratos' social sign-in
// callback only through the backend's relay); the backend runs as at least two
// replicas; some Kratos process runs the courier (`serve --watch-courier` or
// `courier watch`; without one Kratos sends no mail and says nothing); Kratos'
// cipher secret and its sign-in provider's client id and secret come from the
// environment; Kratos and Keto read the repository's own kratos/ and keto/ files,
// and every Ory service and the backend point at the postgres service.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	file := "docker-compose.yml"
	if len(os.Args) > 1 {
		file = os.Args[1]
	}
	problems, err := check(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", file, err)
		os.Exit(1)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "compose-check: %s: %s\n", file, p)
		}
		os.Exit(1)
	}
}

func check(file string) ([]string, error) {
	// The file requires these from the environment; any value will do for parsing.
	// The secrets are sentinels: finding them in the loaded file proves they come
	// from the environment and not from the file itself.
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithName("ory-spa"),
		cli.WithEnv([]string{
			"POSTGRES_PASSWORD=check",
			"KRATOS_SECRETS_DEFAULT=check-secret-check-secret",
			"KRATOS_SECRETS_CIPHER=" + cipherSentinel,
			"OIDC_CLIENT_ID=" + clientIDSentinel,
			"OIDC_CLIENT_SECRET=" + clientSecretSentinel,
		}),
	)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, err
	}

	var problems []string
	courier := false
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		service := project.Services[name]
		problems = append(problems, ports(service)...)
		switch {
		case strings.HasPrefix(name, "kratos"):
			problems = append(problems, mounts(service, filepath.Join(root, "kratos"))...)
			problems = append(problems, dsnOnPostgres(service, "DSN")...)
			if slices.Contains(service.Command, "--watch-courier") ||
				(slices.Contains(service.Command, "courier") && slices.Contains(service.Command, "watch")) {
				courier = true
			}
			if name == "kratos" {
				problems = append(problems, fromEnvironment(service, map[string]string{
					"SECRETS_CIPHER": `["` + cipherSentinel + `"]`,
					"SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_0_CLIENT_ID":     clientIDSentinel,
					"SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_0_CLIENT_SECRET": clientSecretSentinel,
				})...)
			}
		case strings.HasPrefix(name, "keto"):
			problems = append(problems, mounts(service, filepath.Join(root, "keto"))...)
			problems = append(problems, dsnOnPostgres(service, "DSN")...)
		case strings.HasPrefix(name, "backend"):
			problems = append(problems, dsnOnPostgres(service, "APP_DATABASE_URL")...)
			if value, ok := service.Environment["APP_SOCIAL_RETURN_URLS"]; name == "backend" && (!ok || value == nil || *value == "") {
				problems = append(problems, "service backend: APP_SOCIAL_RETURN_URLS is not set (where social sign-in comes back to)")
			}
			if service.Build == nil {
				problems = append(problems, "service "+name+" has no build section")
			}
			if name == "backend" && service.GetScale() < 2 {
				problems = append(problems, "service backend runs fewer than two replicas")
			}
		}
	}
	if !courier {
		problems = append(problems, "no Kratos service runs the courier (serve --watch-courier or courier watch), so no mail is ever sent")
	}
	for _, want := range []string{"postgres", "kratos-migrate", "kratos", "keto-migrate", "keto", "backend-migrate", "backend", "proxy"} {
		if _, ok := project.Services[want]; !ok {
			problems = append(problems, "missing service "+want)
		}
	}
	if len(problems) == 0 {
		fmt.Printf("compose-check: %s is valid (compose-go); services %s; only the proxy publishes ports, "+
			"and mailpit its web UI on 127.0.0.1; the backend runs replicas; a Kratos process watches its courier; "+
			"kratos' cipher secret and sign-in client id and secret come from the environment; "+
			"Ory services mount ./kratos and ./keto; every DSN points at postgres\n", file, strings.Join(names, ", "))
	}
	return problems, nil
}

// Container ports of APIs that must never leave the compose network, whoever
// publishes them: Kratos' public API (browsers reach its social sign-in callback
// through the backend's relay, nothing else of it), Kratos' admin API and Keto's
// write API.
var neverPublished = map[uint32]string{4433: "Kratos' public API", 4434: "Kratos' admin API", 4467: "Keto's write API"}

// Values the check passes as the environment; see check.
const (
	cipherSentinel       = "check-cipher-0123456789abcdef012"
	clientIDSentinel     = "check-oidc-client-id"
	clientSecretSentinel = "check-oidc-client-secret"
)

// fromEnvironment: each variable must hold the value the environment gave, so
// the file itself holds no secret for it.
func fromEnvironment(service types.ServiceConfig, want map[string]string) []string {
	var problems []string
	variables := make([]string, 0, len(want))
	for variable := range want {
		variables = append(variables, variable)
	}
	sort.Strings(variables)
	for _, variable := range variables {
		value, ok := service.Environment[variable]
		if !ok || value == nil || *value != want[variable] {
			problems = append(problems, fmt.Sprintf("service %s: %s must come from the environment (a ${…} variable)", service.Name, variable))
		}
	}
	return problems
}

// ports: the proxy in front of the backend replicas may publish; mailpit only its
// web UI (8025) on 127.0.0.1, for reading local mail; every other service nothing.
func ports(service types.ServiceConfig) []string {
	var problems []string
	for _, port := range service.Ports {
		if api, ok := neverPublished[port.Target]; ok {
			problems = append(problems, fmt.Sprintf("service %s publishes port %d (%s); it must never be published", service.Name, port.Target, api))
		}
		switch service.Name {
		case "proxy":
		case "mailpit":
			if port.Target != 8025 || port.HostIP != "127.0.0.1" {
				problems = append(problems, fmt.Sprintf("service mailpit publishes %s:%s->%d; only its web UI, 127.0.0.1:…->8025, may be",
					port.HostIP, port.Published, port.Target))
			}
		default:
			problems = append(problems, fmt.Sprintf("service %s publishes ports; only the proxy (and mailpit's web UI on 127.0.0.1) may", service.Name))
		}
	}
	return problems
}

func mounts(service types.ServiceConfig, source string) []string {
	for _, volume := range service.Volumes {
		if volume.Type == types.VolumeTypeBind && volume.Source == source {
			return nil
		}
	}
	return []string{fmt.Sprintf("service %s does not mount %s", service.Name, source)}
}

func dsnOnPostgres(service types.ServiceConfig, variable string) []string {
	value, ok := service.Environment[variable]
	if !ok || value == nil || !strings.HasPrefix(*value, "postgres://") || !strings.Contains(*value, "@postgres:5432/") {
		return []string{fmt.Sprintf("service %s: %s must point at the postgres service", service.Name, variable)}
	}
	return nil
}
