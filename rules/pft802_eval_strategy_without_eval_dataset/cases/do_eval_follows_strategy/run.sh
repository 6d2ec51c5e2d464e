torchrun --nproc_per_node 2 reward_modeling.py \
    --output_dir outputs-rm \
    --do_train \
    --eval_strategy steps \
    --eval_steps 50
