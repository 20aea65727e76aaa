// Package outbound guards the calls the server makes to addresses others
// choose (control-room webhooks): only public addresses, checked when a URL
// is saved and again on the resolved address of every connection, unless
// the host is allow-listed (WEBHOOK_ALLOWED_HOSTS).
package outbound
