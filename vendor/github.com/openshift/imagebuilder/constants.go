package imagebuilder

const (
	// in docker/system
	NoBaseImageSpecifier = "scratch"

	// in docker/system
	defaultPathEnv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)
