//! `git coord doctor`

use super::init::render_steps;
use crate::front::render::Out;
use crate::front::Exit;
use crate::ops::doctor::doctor;
use crate::ops::{Context, Error};

/// Check the setup, the board, pending operations and the clock; say what to fix
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Context, _a: &Args, out: &mut Out) -> Result<Exit, Error> {
    let r = doctor(ctx)?;
    Ok(render_steps(out, &r))
}
