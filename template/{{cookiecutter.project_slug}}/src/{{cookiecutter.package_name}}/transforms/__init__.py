"""Transform modules: each public function is a node named after it; its parameters are inputs."""
