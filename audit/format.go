package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/hushbuild/hush/audit/heuristic"
)

// Formats Write knows.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatSARIF = "sarif"
)

// Formats lists the output formats, the default first.
var Formats = []string{FormatTable, FormatJSON, FormatSARIF}

// Write writes a report in a format: "table" (the seeds' matrix, then one
// block per finding), "json" (the Report as is) or "sarif" (SARIF 2.1.0,
// for code-scanning dashboards). toolVersion goes into SARIF's driver.
func Write(w io.Writer, r *Report, format, toolVersion string) error {
	switch format {
	case "", FormatTable:
		return WriteTable(w, r)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatSARIF:
		return WriteSARIF(w, r, toolVersion)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// WriteJSON writes the Report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the seeds' matrix (one row per image; is a secret
// visible at runtime, hidden in a layer, in the metadata?) and below it
// every finding with its layer, path, instruction and rule.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tRUNTIME\tHIDDEN\tMETADATA")
	for _, im := range r.Images {
		if im.Error != "" {
			fmt.Fprintf(tw, "%s\terror\terror\terror\n", im.Image)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", im.Image, cell(im.Count(Runtime)), cell(im.Count(Hidden)), cell(im.Count(Metadata)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, im := range r.Images {
		if len(im.Findings) == 0 && im.Error == "" {
			continue
		}
		fmt.Fprintf(w, "\n%s", im.Image)
		if im.Digest != "" {
			fmt.Fprintf(w, " (%s)", shortDigest(im.Digest))
		}
		fmt.Fprintln(w, ":")
		if im.Error != "" {
			fmt.Fprintf(w, "  could not audit: %s\n", im.Error)
		}
		for _, f := range im.Findings {
			fmt.Fprintf(w, "  %-8s  %s\n", f.Location, f.What())
			fmt.Fprintf(w, "            at %s\n", f.Where())
			if f.Instruction != "" {
				fmt.Fprintf(w, "            by %s\n", ellipsis(oneLine(f.Instruction), 100))
			}
		}
	}
	return nil
}

func cell(n int) string {
	if n == 0 {
		return "no"
	}
	return fmt.Sprintf("yes (%d)", n)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func ellipsis(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// SARIF 2.1.0, the subset code-scanning dashboards read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
	Invocations        []sarifInvocation           `json:"invocations,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     sarifMessage    `json:"shortDescription"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifMessage  `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI         string        `json:"uri,omitempty"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// sarifRules: the known-value rule, then every heuristic rule.
func sarifRules() []sarifRule {
	rules := []sarifRule{{ID: RuleKnownSecret, Name: "KnownSecret",
		ShortDescription:     sarifMessage{"A value given with --secret (whole, a fragment, or encoded) is in the image"},
		DefaultConfiguration: sarifRuleConfig{"error"}}}
	for _, r := range heuristic.HeuristicRules() {
		rules = append(rules, sarifRule{ID: r.ID, Name: r.Name, ShortDescription: sarifMessage{r.Description},
			DefaultConfiguration: sarifRuleConfig{"error"}})
	}
	return rules
}

// WriteSARIF writes a SARIF 2.1.0 log: one run, one result per finding,
// located by the path in the image (artifactLocation relative to
// IMAGEROOT) and by image, layer and path or field (logicalLocations).
func WriteSARIF(w io.Writer, r *Report, toolVersion string) error {
	rules := sarifRules()
	index := map[string]int{}
	for i, ru := range rules {
		index[ru.ID] = i
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "hush", InformationURI: "https://github.com/hushbuild/hush",
			Version: toolVersion, Rules: rules}},
		OriginalURIBaseIDs: map[string]sarifArtifactLoc{
			"IMAGEROOT": {Description: &sarifMessage{"The root of the audited image's filesystem"}}},
		Results: []sarifResult{},
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, im := range r.Images {
		if im.Error != "" {
			inv.ExecutionSuccessful = false
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
				sarifNotification{Level: "error", Message: sarifMessage{"could not audit " + im.Image + ": " + im.Error}})
		}
		for _, f := range im.Findings {
			res := sarifResult{
				RuleID:    f.Rule,
				RuleIndex: index[f.Rule],
				Level:     "error",
				Message:   sarifMessage{fmt.Sprintf("%s, %s in %s: %s", f.What(), f.Location, im.Image, f.Where())},
				Properties: map[string]any{
					"image":    im.Image,
					"location": string(f.Location),
				},
			}
			if f.Instruction != "" {
				res.Properties["instruction"] = f.Instruction
			}
			if f.SecretID != "" {
				res.Properties["secretId"] = f.SecretID
			}
			loc := sarifLocation{}
			if f.Location == Metadata {
				loc.LogicalLocations = []sarifLogical{{Name: f.Field, FullyQualifiedName: im.Image + "#" + f.Field, Kind: "member"}}
			} else {
				loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: pathURI(f.Path), URIBaseID: "IMAGEROOT"}}
				if f.Line > 0 {
					loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
				}
				fq := im.Image + "#" + f.Path
				if f.Layer != nil {
					fq = fmt.Sprintf("%s#layer%d:%s", im.Image, f.Layer.Index, f.Path)
					res.Properties["layerIndex"] = f.Layer.Index
					res.Properties["layerDigest"] = f.Layer.Digest
				}
				if f.HiddenBy != nil {
					res.Properties["hiddenBy"] = map[string]any{"layerIndex": f.HiddenBy.Index, "layerDigest": f.HiddenBy.Digest, "how": f.HiddenBy.How}
				}
				loc.LogicalLocations = []sarifLogical{{Name: f.Path, FullyQualifiedName: fq, Kind: "resource"}}
			}
			res.Locations = []sarifLocation{loc}
			sum := sha256.Sum256([]byte(strings.Join([]string{im.Image, string(f.Location), f.Rule, f.SecretID, f.Path, f.Field, f.Detail}, "\x00")))
			res.PartialFingerprints = map[string]string{"hushFinding/v1": hex.EncodeToString(sum[:16])}
			run.Results = append(run.Results, res)
		}
	}
	run.Invocations = []sarifInvocation{inv}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// pathURI makes an image path a relative URI reference: "/root/a b" ->
// "root/a%20b"; a nested member keeps its "!".
func pathURI(p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
