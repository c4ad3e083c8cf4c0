package main

import (
	"context"
	"fmt"
	"net/url"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TracingConfig is the tracing section. Traceparent headers are read and
// sent whatever it says; Endpoint only decides whether spans leave the
// process.
type TracingConfig struct {
	// Endpoint is the OTLP/HTTP collector URL spans are exported to, e.g.
	// "http://otel-collector:4318" (/v1/traces is added when the URL has
	// no path). "" exports nothing (the default).
	Endpoint string `yaml:"endpoint,omitempty"`
}

// validateTracing checks the tracing section.
func (c *Config) validateTracing(p *problems) {
	if e := c.Tracing.Endpoint; e != "" && !httpURL(e) {
		p.add("tracing.endpoint", "must be an absolute http(s) URL, got %q", e)
	}
}

// tracerProvider is the hub's OpenTelemetry provider for tracing.endpoint:
// it records spans and exports them in batches. Its Shutdown flushes them.
func tracerProvider(tc TracingConfig, version string) (*sdktrace.TracerProvider, error) {
	res := resource.NewSchemaless(attribute.String("service.name", "callhub"),
		attribute.String("service.version", version))
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(otlpURL(tc.Endpoint)))
	if err != nil {
		return nil, fmt.Errorf("tracing.endpoint: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp)), nil
}

// otlpURL is endpoint with the OTLP traces path when it names none.
func otlpURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Path != "" && u.Path != "/") {
		return endpoint
	}
	u.Path = "/v1/traces"
	return u.String()
}
