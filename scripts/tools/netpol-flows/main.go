// netpol-flows evaluates flows against Kubernetes NetworkPolicies with cyclonus's NetworkPolicy
// engine (github.com/mattfenwick/cyclonus/pkg/matcher, the simulator behind `cyclonus analyze`).
// This file is ours; cyclonus is a library it imports. Built by scripts/tools/install-go-tools.sh.
//
// stdin:  {"policies": [<networking.k8s.io/v1 NetworkPolicy>...], "flows": [{"id": "...", "traffic": <matcher.Traffic>}]}
// stdout: [{"id", "allowed", "ingress": {"allowed", "allowedBy", "deniedBy"}, "egress": {...}}]
// where allowedBy names the policies (namespace/name) whose rules admit the flow, and deniedBy the
// policies that select the pod in that direction without admitting it (the default-deny that decides).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	networkingv1 "k8s.io/api/networking/v1"
)

type input struct {
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	Flows    []struct {
		ID      string           `json:"id"`
		Traffic *matcher.Traffic `json:"traffic"`
	} `json:"flows"`
}

type direction struct {
	Allowed   bool     `json:"allowed"`
	AllowedBy []string `json:"allowedBy"`
	DeniedBy  []string `json:"deniedBy"`
}

type verdict struct {
	ID      string    `json:"id"`
	Allowed bool      `json:"allowed"`
	Ingress direction `json:"ingress"`
	Egress  direction `json:"egress"`
}

func name(p *networkingv1.NetworkPolicy) string { return p.Namespace + "/" + p.Name }

// admits reports whether this one policy, on its own, admits the traffic in the given direction.
func admits(p *networkingv1.NetworkPolicy, t *matcher.Traffic, ingress bool) bool {
	in, out := matcher.BuildTarget(p)
	target, peer := out, t.Destination
	if ingress {
		target, peer = in, t.Source
	}
	return target != nil && target.Allows(peer, t.ResolvedPort, t.ResolvedPortName, t.Protocol)
}

func explain(r *matcher.DirectionResult, t *matcher.Traffic, ingress bool) direction {
	d := direction{Allowed: r.IsAllowed(), AllowedBy: []string{}, DeniedBy: []string{}}
	for _, target := range r.AllowingTargets {
		for _, p := range target.SourceRules {
			if admits(p, t, ingress) {
				d.AllowedBy = append(d.AllowedBy, name(p))
			}
		}
	}
	if !d.Allowed {
		for _, target := range r.DenyingTargets {
			for _, p := range target.SourceRules {
				d.DeniedBy = append(d.DeniedBy, name(p))
			}
		}
	}
	sort.Strings(d.AllowedBy)
	sort.Strings(d.DeniedBy)
	return d
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "netpol-flows: cannot read input: %v\n", err)
		os.Exit(2)
	}
	// simplify=false keeps each target's rules exactly as declared (the verdicts are the same either way).
	engine := matcher.BuildNetworkPolicies(false, in.Policies)
	out := make([]verdict, 0, len(in.Flows))
	for _, f := range in.Flows {
		if f.Traffic == nil || f.Traffic.Source == nil || f.Traffic.Destination == nil {
			fmt.Fprintf(os.Stderr, "netpol-flows: flow %q has no traffic source/destination\n", f.ID)
			os.Exit(2)
		}
		r := engine.IsTrafficAllowed(f.Traffic)
		out = append(out, verdict{
			ID:      f.ID,
			Allowed: r.IsAllowed(),
			Ingress: explain(r.Ingress, f.Traffic, true),
			Egress:  explain(r.Egress, f.Traffic, false),
		})
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "netpol-flows: %v\n", err)
		os.Exit(2)
	}
}
