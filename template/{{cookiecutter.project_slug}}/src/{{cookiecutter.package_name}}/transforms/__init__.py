# Yours: generated once by dagwire; `copier update` never changes it.
"""Transform modules: each public function is a node named after it; its parameters are inputs."""
