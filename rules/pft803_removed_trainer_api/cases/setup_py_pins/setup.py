# A transformers-style setup.py: the pins live in a `_deps` table (`pip install -e .` installs them)
from setuptools import find_packages, setup

_deps = [
    "accelerate==1.4.0",
    "peft>=0.14.0",
    "transformers==4.52.3",
    "trl[vllm]==0.18.0",
]
deps = {b: a for a, b in ((x, x.split("=")[0].split("[")[0].split(">")[0]) for x in _deps)}
extras = {"dev": ["trl>=0.20"]}
setup(name="recipes", version="0.1.0", packages=find_packages("src"), package_dir={"": "src"},
      install_requires=[deps["transformers"], deps["trl"], deps["peft"]], extras_require=extras)
