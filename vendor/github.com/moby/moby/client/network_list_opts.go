package client

// NetworkListOptions holds parameters to filter the list of networks with.
type NetworkListOptions struct {
	Filters Filters
}
