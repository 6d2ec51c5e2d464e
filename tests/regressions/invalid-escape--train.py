import re
from transformers import Trainer
PATTERN = "\d+\e"
