# The script asks for the strings no dataclass takes and reads --stage itself: no error.
python train.py --output_dir out --stage sft
