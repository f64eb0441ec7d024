package main

func main() {
	return
}
