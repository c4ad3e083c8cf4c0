// Package hubclientjava_test builds the Java client (api/hubclient-java)
// and its JUnit tests with javac and runs them against a real hub built
// from this checkout, so that the README's one test command covers them.
// Without javac or Debian's junit5 jars it skips loudly (fails under
// CI=true).
package hubclientjava_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// junitJar is the JUnit console launcher with the Jupiter engine inside,
// as Debian's junit5 package installs it.
const junitJar = "/usr/share/java/junit-platform-console-standalone.jar"

// TestJavaClient compiles the client with --release 11 (so the API level
// is checked), compiles its tests, and runs them with the JUnit console
// launcher against a hub on loopback; it fails with the JUnit output.
func TestJavaClient(t *testing.T) {
	javac, java, jar := javaTools(t)
	out := t.TempDir()
	bin := filepath.Join(out, "callhub")
	built := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() { built <- buildHub(bin) }) // beside javac: two cores
	t.Cleanup(wg.Wait)
	mainDir, testDir := filepath.Join(out, "main"), filepath.Join(out, "test")
	compile(t, javac, mainDir, "", "src/main/java")
	compile(t, javac, testDir, mainDir+string(os.PathListSeparator)+jar, "src/test/java")
	if err := <-built; err != nil {
		t.Fatal(err)
	}

	h := startHub(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	classpath := strings.Join([]string{mainDir, testDir, "src/test/resources"}, string(os.PathListSeparator))
	cmd := exec.CommandContext(ctx, java, "-jar", jar, "--disable-banner", "--disable-ansi-colors",
		"--details=tree", "--fail-if-no-tests", "--class-path", classpath, "--scan-class-path", testDir)
	cmd.Env = append(os.Environ(), h.env()...)
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("JUnit: %v\n%s\nhub log:\n%s", err, outb, h.logs())
	}
	t.Logf("JUnit:\n%s", outb)
}

// javaTools finds javac, java and the JUnit launcher, or skips loudly.
func javaTools(t *testing.T) (javac, java, jar string) {
	t.Helper()
	javac, err1 := exec.LookPath("javac")
	java, err2 := exec.LookPath("java")
	jar = junitJar
	if j := os.Getenv("JUNIT_CONSOLE_JAR"); j != "" {
		jar = j
	}
	_, err3 := os.Stat(jar)
	if err1 != nil || err2 != nil || err3 != nil {
		msg := "JAVAC OR JUNIT NOT INSTALLED: skipping the Java client's tests; apt-get install default-jdk-headless junit5"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return javac, java, jar
}

// compile compiles every .java file under src into dir for Java 11.
func compile(t *testing.T, javac, dir, classpath, src string) {
	t.Helper()
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".java") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("find the sources under %s: %v (%d files)", src, err, len(files))
	}
	args := []string{"--release", "11", "-Xlint:all", "-Xdoclint:all,-missing", "-Werror", "-encoding", "UTF-8", "-d", dir}
	if classpath != "" {
		args = append(args, "-classpath", classpath)
	}
	if out, err := exec.Command(javac, append(args, files...)...).CombinedOutput(); err != nil {
		t.Fatalf("javac %s: %v\n%s", src, err, out)
	}
}

// TestPOM checks that pom.xml is a valid Maven model, offline (Maven
// Central is not reachable here; the build itself is TestJavaClient's). It
// skips without mvn, and fails under CI=true.
func TestPOM(t *testing.T) {
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		msg := "MAVEN NOT INSTALLED: skipping the check of pom.xml; apt-get install maven"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(mvn, "-o", "-B", "-q", "validate", "-Dmaven.repo.local="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mvn validate: %v\n%s", err, out)
	}
}
