//go:build nogregor

package clients

func init() {
	unavailable["gregor"] = "built with -tags nogregor (the gregor producer did not compile when this binary was built)"
}
