//go:build !race

package main

// raceBuild: the tests run with -race, and so do the hubs they start.
const raceBuild = false
