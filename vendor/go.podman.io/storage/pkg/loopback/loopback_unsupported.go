package loopback
